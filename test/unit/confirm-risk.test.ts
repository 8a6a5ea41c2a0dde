// The renderer's side of the host-mode guard rails: the helper refuses with
// -32004, the user sees the helper's own words, and only a yes repeats the call
// with confirmRisk. Driven through the topology store with a scripted client.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError, type MethodName, type NetnsClient } from '../../shared/protocol';
import { setClient } from '../../renderer/client/current';
import { request } from '../../renderer/request';
import { useTopology } from '../../renderer/stores/topology';
import { useUi } from '../../renderer/stores/ui';

const RISK = "Bringing down eth0: eth0 carries the machine's IPv4 default route (via 192.0.2.1); this machine may lose its network, and you may not get back in.";

let calls: { method: MethodName; params: Record<string, unknown> }[] = [];

/** A helper that refuses link.set down unless confirmed, and fails addr.add like the kernel would. */
const client: NetnsClient = {
  async call(method, params) {
    calls.push({ method, params: params as Record<string, unknown> });
    const p = params as { up?: boolean; confirmRisk?: boolean };
    if (method === 'snapshot') return { namespaces: [] } as never;
    if (method === 'link.set' && p.up === false && !p.confirmRisk) throw new RpcError({ code: ErrorCode.RiskRefused, message: RISK, data: { risk: RISK } });
    if (method === 'addr.add') throw new RpcError({ code: ErrorCode.CommandFailed, message: 'RTNETLINK answers: File exists' });
    return {} as never;
  },
  on: () => () => undefined,
};

beforeEach(() => {
  setActivePinia(createPinia());
  setClient(client);
  calls = [];
});

const changes = () => calls.filter((c) => c.method !== 'snapshot');

describe('a call the helper refuses as risky', () => {
  it("asks with the helper's own words, and repeats it with confirmRisk on yes", async () => {
    const topology = useTopology();
    const ui = useUi();
    const result = request('link.set', { ifname: 'eth0', up: false }, 'Could not bring eth0 down');
    await expect.poll(() => ui.confirm?.body).toBe(RISK);
    expect(topology.busy).toBe(0);
    ui.confirm?.run();
    await expect(result).resolves.toEqual({});
    expect(changes()).toEqual([
      { method: 'link.set', params: { ifname: 'eth0', up: false } },
      { method: 'link.set', params: { ifname: 'eth0', up: false, confirmRisk: true } },
    ]);
    expect(ui.toasts).toEqual([]);
  });

  it('does nothing more when the user declines', async () => {
    const ui = useUi();
    const result = request('link.set', { ifname: 'eth0', up: false }, 'Could not bring eth0 down');
    await expect.poll(() => ui.confirm).not.toBeNull();
    ui.decline();
    await expect(result).resolves.toBeUndefined();
    expect(changes()).toHaveLength(1);
    expect(ui.confirm).toBeNull();
    expect(ui.toasts).toEqual([]);
  });

  it("is not asked about twice, and other errors are toasts with ip's own message", async () => {
    const ui = useUi();
    await expect(request('addr.add', { ifname: 'eth0', cidr: '10.0.0.1/24' }, 'Could not add 10.0.0.1/24 to eth0')).resolves.toBeUndefined();
    expect(ui.confirm).toBeNull();
    expect(ui.toasts.map((t) => [t.title, t.detail])).toEqual([['Could not add 10.0.0.1/24 to eth0', 'RTNETLINK answers: File exists']]);
  });
});
