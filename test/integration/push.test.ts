// State reaches every client by push: a change made by one client, or by a
// shell in the lab, reaches all of them, even while one calls snapshot in a
// loop; and a caller hears its change's topology notification before the reply.
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../shared/model';
import type { TopologyChange } from '../../shared/protocol';
import { RpcClient } from '../../shared/rpc-client';
import { runningLabs } from '../../electron/helper/control';
import { labExec, startHelper } from '../support/helper';
import { startWeb, type WebApp } from '../support/web';

interface Client {
  name: string;
  rpc: RpcClient;
  /** Every message received, in order. */
  log: { id?: unknown; method?: string; params?: unknown }[];
  close(): void;
}

let web: WebApp;
const clients: Client[] = [];

function track(name: string, rpc: RpcClient, close: () => void): { client: Client; receive(text: string): void } {
  const client: Client = { name, rpc, log: [], close };
  clients.push(client);
  return {
    client,
    receive: (text) => {
      client.log.push(JSON.parse(text) as Client['log'][number]);
      rpc.receive(text);
    },
  };
}

async function tab(name: string): Promise<Client> {
  const url = new URL(web.url);
  const ws = new WebSocket(`ws://${url.host}/rpc?token=${url.searchParams.get('token')}`, { headers: { Origin: url.origin } });
  const rpc = new RpcClient((text) => ws.send(text));
  const { client, receive } = track(name, rpc, () => ws.close());
  ws.on('message', (data) => receive(data.toString()));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return client;
}

async function controlSocket(): Promise<Client> {
  const lab = runningLabs().find((l) => l.pid === (web.process.pid as number));
  if (!lab) throw new Error("the web bridge's lab left no pointer");
  const socket = connect(lab.socket);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const rpc = new RpcClient((text) => socket.write(`${text}\n`));
  const { client, receive } = track('control socket', rpc, () => socket.end());
  createInterface({ input: socket }).on('line', receive);
  return client;
}

/** Resolves when `client` has been told of a change matching `match` (after message index `since`). */
async function hears(client: Client, match: (change: TopologyChange) => boolean, since = 0, timeoutMs = 8000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const index = client.log.findIndex((m, i) => i >= since && m.method === 'topology' && match(m.params as TopologyChange));
    if (index >= 0) return index;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${client.name} never heard the change`);
}

const hasLink =
  (ifname: string, extra: (addresses: string[]) => boolean = () => true) =>
  (change: TopologyChange) =>
    change.namespaces.some((n) => n.links.some((l) => l.ifname === ifname && extra(l.addresses)));

beforeAll(async () => {
  web = await startWeb();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await web?.stop();
});

describe('every client hears every change', () => {
  it('while another client calls snapshot in a loop', async () => {
    const looper = await tab('tab A');
    const b = await tab('tab B');
    const c = await controlSocket();
    let looping = true;
    let snapshots = 0;
    const loop = (async () => {
      while (looping) {
        await looper.rpc.call('snapshot', {});
        snapshots++;
      }
    })();
    /** Resolves once the loop has finished `n` more snapshots: one of them started after whatever came before. */
    const snapshotsPass = async (n: number) => {
      const target = snapshots + n;
      while (snapshots < target) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await snapshotsPass(1);
      // A change made by a shell in the lab, not by any client; the looper's snapshots see it before anyone is told.
      const since = [b.log.length, c.log.length];
      labExec(web.process.pid as number, ['ip', 'link', 'add', 'name', 'outside0', 'type', 'veth', 'peer', 'name', 'outside1']);
      await snapshotsPass(2);
      await hears(b, hasLink('outside0'), since[0]);
      await hears(c, hasLink('outside0'), since[1]);
      // A change made by one client reaches the others.
      const before = [looper.log.length, c.log.length];
      await b.rpc.call('addr.add', { ifname: 'outside0', cidr: '10.8.0.1/24' });
      await snapshotsPass(2);
      const withAddress = hasLink('outside0', (a) => a.includes('10.8.0.1/24'));
      await hears(looper, withAddress, before[0]);
      await hears(c, withAddress, before[1]);
    } finally {
      looping = false;
      await loop;
    }
  });

  it('tells the caller of its own change before the reply, so its state is current when the call resolves', async () => {
    const b = clients.find((c) => c.name === 'tab B') as Client;
    for (const [method, params, ifname] of [
      ['link.set', { ifname: 'outside0', up: true }, 'outside0'],
      ['veth.create', { name: 'pushed0', peerName: 'pushed1' }, 'pushed0'],
      ['addr.add', { ifname: 'pushed0', cidr: '10.9.0.1/24' }, 'pushed0'],
    ] as const) {
      const since = b.log.length;
      const done = b.rpc.call(method, params as never);
      await done;
      const reply = b.log.findIndex((m, i) => i >= since && m.id !== undefined && m.method === undefined);
      const told = b.log.findIndex((m, i) => i >= since && m.method === 'topology' && hasLink(ifname)(m.params as TopologyChange));
      expect(told, `${method}: no topology notification`).toBeGreaterThanOrEqual(0);
      expect(told, `${method}: the notification came after the reply`).toBeLessThan(reply);
    }
  });

  it("is current on the far side too: a veth's far end is re-read before the reply", async () => {
    const b = clients.find((c) => c.name === 'tab B') as Client;
    await b.rpc.call('netns.create', { name: 'far' });
    await b.rpc.call('veth.create', { name: 'near0', peerName: 'far0', peerNamespace: 'far' });
    await b.rpc.call('link.set', { ifname: 'near0', up: true });
    await b.rpc.call('link.set', { namespace: 'far', ifname: 'far0', up: true });
    const farHas = (ifname: string) => (change: TopologyChange) => change.namespaces.some((n) => n.name === 'far' && n.links.some((l) => l.ifname === ifname));
    const since = b.log.length;
    await b.rpc.call('link.delete', { ifname: 'near0' });
    const reply = b.log.findIndex((m, i) => i >= since && m.id !== undefined && m.method === undefined);
    const told = b.log.findIndex(
      (m, i) => i >= since && m.method === 'topology' && (m.params as TopologyChange).namespaces.some((n) => n.name === 'far') && !farHas('far0')(m.params as TopologyChange),
    );
    expect(told, 'far was not re-read').toBeGreaterThanOrEqual(0);
    expect(told).toBeLessThan(reply);
  });
});

describe('the cost of a click', () => {
  // Its own helper with the periodic reconcile off, as in the bench: a reconcile landing in the window is not the click's.
  it('is at most 3 processes, its echo from ip monitor included: no full re-read behind it', async () => {
    const helper = await startHelper(['--lab', '--reconcile-ms=0']);
    try {
      await helper.client.call('veth.create', { name: 'pushed0', peerName: 'pushed1' });
      const started = async () => (await helper.client.call('helper.stats', {})).processesStarted;
      /** The count once nothing has run for 300 ms (earlier changes' event re-reads are done). */
      const settled = async () => {
        for (let last = -1, now = await started(); ; last = now, now = await started()) {
          if (now === last) return now;
          await new Promise((r) => setTimeout(r, 300));
        }
      };
      const before = await settled();
      await helper.client.call('addr.add', { ifname: 'pushed0', cidr: '10.9.1.1/24' });
      expect((await settled()) - before).toBeLessThanOrEqual(3);
      const snapshot: Topology = await helper.client.call('snapshot', { reuse: true });
      expect(snapshot.namespaces.find((n) => n.root)?.links.find((l) => l.ifname === 'pushed0')?.addresses).toContain('10.9.1.1/24');
    } finally {
      await helper.close();
    }
  });
});
