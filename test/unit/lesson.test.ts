import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Namespace, Topology } from '../../shared/model';
import { lessonJsonSchema, parseLesson, satisfied, type Check } from '../../shared/lesson';

const dir = new URL('../../lessons/', import.meta.url);
const shipped = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('shipped lessons', () => {
  it.each(shipped)('%s loads, and every "do it for me" call fits the protocol', (file) => {
    const lesson = parseLesson(readFileSync(new URL(file, dir), 'utf8'));
    expect(lesson.steps.length).toBeGreaterThan(2);
    expect(lesson.steps.every((s) => s.commands.length > 0 && (s.do?.length ?? 0) > 0)).toBe(true);
  });

  it('are the five the workshop needs', () => {
    expect(shipped.map((f) => parseLesson(readFileSync(new URL(f, dir), 'utf8')).id)).toEqual(['article', 'loopback', 'docker', 'move', 'why']);
  });

  it('match the shipped JSON schema', () => {
    expect(JSON.parse(readFileSync(new URL('../../docs/lesson.schema.json', import.meta.url), 'utf8'))).toEqual(lessonJsonSchema());
  });
});

describe('broken lessons', () => {
  it('name the line: a bad check, an unknown method, bad params', () => {
    const base = ['id: x', 'title: X', 'summary: s', 'steps:', '  - title: t', '    text: t', '    commands: [ip netns add a]'];
    expect(() => parseLesson([...base, '    check: { namespace: "a b" }'].join('\n'))).toThrow(/^line 8: steps\.0\.check/);
    expect(() => parseLesson([...base, '    do: [{ call: rm.rf }]', '    check: { namespace: a }'].join('\n'))).toThrow(/^line 8: steps\.0\.do\.0\.call: not a method of the protocol: rm\.rf/);
    expect(() => parseLesson([...base, '    do: [{ call: netns.create, params: { name: "x;y" } }]', '    check: { namespace: a }'].join('\n'))).toThrow(/^line 8: steps\.0\.do\.0\.params\.name/);
  });
});

const ns = (over: Partial<Namespace>): Namespace => ({ id: over.name ?? 'root', name: null, title: over.name ?? 'host', root: false, links: [], routes: [], ...over });
const link = (ifname: string, over = {}) => ({ ifname, ifindex: 2, kind: 'veth' as const, up: true, operstate: 'UP', mtu: 1500, mac: '', addresses: [], master: null, peer: null, ...over });
const topology: Topology = {
  namespaces: [
    ns({ id: 'h', root: true, links: [link('veth0', { addresses: ['10.1.1.2/24'], peer: { namespaceId: 'n1', ifname: 'veth1' } })] }),
    ns({
      id: 'n1',
      name: 'netns1',
      links: [link('veth1', { up: false, peer: { namespaceId: 'h', ifname: 'veth0' } })],
      routes: [{ to: 'default', via: '10.1.1.2', dev: 'veth1', protocol: null, scope: null }],
    }),
  ],
};

describe('checks against a topology', () => {
  const yes = (c: Check) => expect(satisfied(c, topology, [{ fromId: 'h', target: '10.1.1.1', received: 3 }])).toBe(true);
  const no = (c: Check) => expect(satisfied(c, topology, [{ fromId: 'h', target: '10.1.1.1', received: 3 }])).toBe(false);

  it('reads namespaces, links, peers, absences, routes and pings', () => {
    yes({ namespace: 'netns1' });
    no({ namespace: 'netns2' });
    yes({ link: { namespace: 'host', name: 'veth0', up: true, address: '10.1.1.2/24', peer: { namespace: 'netns1', name: 'veth1' } } });
    no({ link: { namespace: 'netns1', name: 'veth1', up: true } });
    yes({ link: { namespace: 'netns1', name: 'veth1', noAddresses: true } });
    yes({ absent: { namespace: 'host', link: 'veth1' } });
    yes({ route: { namespace: 'netns1', to: 'default', via: '10.1.1.2' } });
    yes({ pinged: { from: 'host', to: '10.1.1.1' } });
    no({ pinged: { from: 'host', to: '10.1.1.1', ok: false } });
    no({ all: [{ namespace: 'netns1' }, { namespace: 'nope' }] });
  });
});
