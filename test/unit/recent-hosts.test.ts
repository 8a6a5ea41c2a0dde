// The recent hosts list: most recent first, once each however typed, capped,
// and never offering what is not a host, whatever the stored setting holds.
import { beforeEach, describe, expect, it } from 'vitest';
import { forgetHost, MAX_RECENT_HOSTS, recentHosts, rememberHost } from '../../renderer/recent-hosts';

const store = new Map<string, string>();
beforeEach(() => {
  store.clear();
  Object.assign(globalThis, {
    localStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
  });
});

describe('recent hosts', () => {
  it('keeps the most recent first, once each however it was typed, and forgets on request', () => {
    rememberHost('server');
    rememberHost('root@other:2222');
    expect(rememberHost(' server ')).toEqual(['server', 'root@other:2222']);
    expect(forgetHost('server')).toEqual(['root@other:2222']);
    expect(recentHosts()).toEqual(['root@other:2222']);
  });

  it(`drops the oldest beyond ${MAX_RECENT_HOSTS}`, () => {
    for (let i = 0; i <= MAX_RECENT_HOSTS; i++) rememberHost(`host${i}`);
    expect(recentHosts()).toHaveLength(MAX_RECENT_HOSTS);
    expect(recentHosts()[0]).toBe(`host${MAX_RECENT_HOSTS}`);
    expect(recentHosts()).not.toContain('host0');
  });

  it('never offers what is not a host, from a stored setting someone edited or an old version wrote', () => {
    store.set('netns-explorer.recentHosts', JSON.stringify(['-oProxyCommand=id', 42, 'ok', 'a b', null]));
    expect(recentHosts()).toEqual(['ok']);
    store.set('netns-explorer.recentHosts', '{not json');
    expect(recentHosts()).toEqual([]);
    expect(rememberHost('-x')).toEqual([]);
  });
});
