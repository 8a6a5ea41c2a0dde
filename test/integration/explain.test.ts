// path.explain on real labs: for each broken lab, the first problem (namespace,
// interface, code) and the hops; then its `fix` typed in the lab's shell, or its
// `actions` sent over RPC in a fresh copy, make a ping get replies.
import { afterEach, describe, expect, it } from 'vitest';
import type { PathExplanation, ProblemCode } from '../../shared/protocol';
import type { MethodName, MethodParams } from '../../shared/schemas';
import { startHelper, type HelperHandle } from '../support/helper';
import { openLabShell, type LabShell } from '../support/lab-shell';

// Shell vocabulary for building labs: namespaces, cables between them (host = the lab's own).
const PRELUDE = [
  'mkns() { for n in "$@"; do ip netns add "$n" && ip -n "$n" link set lo up || return 1; done; }',
  'x() { local n=$1; shift; if [ "$n" = host ]; then "$@"; else ip netns exec "$n" "$@"; fi; }',
  'end() { { [ -z "$3" ] || x "$1" ip addr add "$3" dev "$2" nodad; } && x "$1" ip link set "$2" up; }',
  'cable() { ip link add "$2" type veth peer name "$5" && { [ "$1" = host ] || ip link set "$2" netns "$1"; } && { [ "$4" = host ] || ip link set "$5" netns "$4"; } && end "$1" "$2" "$3" && end "$4" "$5" "$6"; }',
  'bridge() { ip link add "$1" type bridge && ip link set "$1" up && shift && for p in "$@"; do ip link set "$p" master br0 || return 1; done; }',
  'fwd() { x "$1" sysctl -qw net.ipv4.ip_forward="$2" && x "$1" sysctl -qw net.ipv6.conf.all.forwarding="$2"; }',
];

const PAIR = ['mkns a b', 'cable a va 10.0.0.1/24 b vb 10.0.0.2/24'];
const BRIDGED = ['mkns a b', 'cable a ea 10.0.0.1/24 host pa ""', 'cable b eb 10.0.0.2/24 host pb ""', 'bridge br0 pa pb'];
const ROUTED = [
  'mkns a r b',
  'cable a va 10.0.1.2/24 r vra 10.0.1.1/24',
  'cable r vrb 10.0.2.1/24 b vb 10.0.2.2/24',
  'ip -n a route add default via 10.0.1.1',
  'ip -n b route add default via 10.0.2.1',
  'fwd r 1',
];
const ROUTED6 = [
  'mkns a r b',
  'cable a va fd00:1::2/64 r vra fd00:1::1/64',
  'cable r vrb fd00:2::1/64 b vb fd00:2::2/64',
  'ip -n a route add default via fd00:1::1',
  'ip -n b route add default via fd00:2::1',
  'fwd r 1',
  // Link-local addresses stay tentative for a second (DAD), and nothing is forwarded until they are not.
  'for n in a r b; do while [ -n "$(ip -n $n -6 address show tentative)" ]; do sleep 0.1; done; done',
];

interface Case {
  title: string;
  build: string[];
  from: string | null;
  target: string;
  /** Expected hops as "namespace:role" ("host" for the lab's own). */
  hops: string[];
  problem?: { code: ProblemCode; namespace: string | null; ifname: string | null };
  /** Needs nft in the lab. */
  nft?: boolean;
  /** The kernel may still get a ping through (with two holders of an address, either may answer). */
  sometimes?: boolean;
}

const CASES: Case[] = [
  { title: 'local delivery', build: PAIR, from: 'a', target: '10.0.0.1', hops: ['a:destination'] },
  { title: '1 hop over a veth', build: PAIR, from: 'a', target: '10.0.0.2', hops: ['a:source', 'b:destination'] },
  { title: '2 hops across a bridge', build: BRIDGED, from: 'a', target: '10.0.0.2', hops: ['a:source', 'host:bridge', 'b:destination'] },
  { title: '3 hops through a router', build: ROUTED, from: 'a', target: '10.0.2.2', hops: ['a:source', 'r:router', 'b:destination'] },
  { title: '3 hops through a router, IPv6', build: ROUTED6, from: 'a', target: 'fd00:2::2', hops: ['a:source', 'r:router', 'b:destination'] },
  {
    title: 'lo down, pinging its own address',
    build: [...PAIR, 'ip -n a link set lo down'],
    from: 'a',
    target: '10.0.0.1',
    hops: ['a:destination'],
    problem: { code: 'loopback-down', namespace: 'a', ifname: 'lo' },
  },
  { title: 'the sending end down', build: [...PAIR, 'ip -n a link set va down'], from: 'a', target: '10.0.0.2', hops: ['a:source'], problem: { code: 'link-down', namespace: 'a', ifname: 'va' } },
  { title: 'the far end down', build: [...PAIR, 'ip -n b link set vb down'], from: 'a', target: '10.0.0.2', hops: ['a:source'], problem: { code: 'no-carrier', namespace: 'b', ifname: 'vb' } },
  {
    title: 'no address on the sending end',
    build: ['mkns a b', 'cable a va "" b vb 10.0.0.2/24'],
    from: 'a',
    target: '10.0.0.2',
    hops: ['a:source'],
    problem: { code: 'no-address', namespace: 'a', ifname: 'va' },
  },
  {
    title: 'no address at the far end (the article’s step 4, half done)',
    build: ['mkns a b', 'cable a va 10.0.0.1/24 b vb ""'],
    from: 'a',
    target: '10.0.0.2',
    hops: ['a:source'],
    problem: { code: 'no-address', namespace: 'b', ifname: 'vb' },
  },
  { title: 'no route', build: [...ROUTED, 'ip -n a route del default'], from: 'a', target: '10.0.2.2', hops: ['a:source'], problem: { code: 'no-route', namespace: 'a', ifname: null } },
  {
    title: 'a gateway nobody has',
    build: [...ROUTED, 'ip -n a route replace default via 10.0.1.9'],
    from: 'a',
    target: '10.0.2.2',
    hops: ['a:source'],
    problem: { code: 'gateway-unreachable', namespace: 'a', ifname: 'va' },
  },
  { title: 'forwarding off', build: [...ROUTED, 'fwd r 0'], from: 'a', target: '10.0.2.2', hops: ['a:source', 'r:router'], problem: { code: 'forwarding-disabled', namespace: 'r', ifname: 'vra' } },
  {
    title: 'forwarding off, IPv6',
    build: [...ROUTED6, 'fwd r 0'],
    from: 'a',
    target: 'fd00:2::2',
    hops: ['a:source', 'r:router'],
    problem: { code: 'forwarding-disabled', namespace: 'r', ifname: 'vra' },
  },
  {
    title: 'a cable end not on the bridge',
    build: [...BRIDGED, 'ip link set pb nomaster'],
    from: 'a',
    target: '10.0.0.2',
    hops: ['a:source'],
    problem: { code: 'bridge-port-missing', namespace: null, ifname: 'pb' },
  },
  {
    title: 'the bridge down',
    build: [...BRIDGED, 'ip link set br0 down'],
    from: 'a',
    target: '10.0.0.2',
    hops: ['a:source', 'host:bridge'],
    problem: { code: 'bridge-down', namespace: null, ifname: 'br0' },
  },
  {
    title: 'no way back',
    build: [...ROUTED, 'ip -n b route del default'],
    from: 'a',
    target: '10.0.2.2',
    hops: ['a:source', 'r:router', 'b:destination'],
    problem: { code: 'no-return-route', namespace: 'b', ifname: null },
  },
  {
    title: 'two holders of the sender’s address',
    build: [...BRIDGED, 'mkns c', 'cable c ec 10.0.0.1/24 host pc ""', 'ip link set pc master br0'],
    from: 'a',
    target: '10.0.0.2',
    hops: ['a:source'],
    problem: { code: 'address-conflict', namespace: 'c', ifname: 'ec' },
    sometimes: true,
  },
  {
    title: 'strict rp_filter on an asymmetric path',
    build: [...ROUTED, 'cable r vrc 10.0.4.1/24 b vb2 10.0.4.2/24', 'ip -n b route add 10.0.1.0/24 via 10.0.4.1', 'x b sysctl -qw net.ipv4.conf.all.rp_filter=1'],
    from: 'a',
    target: '10.0.2.2',
    hops: ['a:source', 'r:router', 'b:destination'],
    problem: { code: 'reverse-path-filter', namespace: 'b', ifname: 'vb' },
  },
  {
    title: 'a firewall rule dropping the ping',
    build: [
      ...ROUTED,
      'x b nft add table inet t',
      `x b nft 'add chain inet t input { type filter hook input priority 0; }'`,
      'x b nft add rule inet t input ip saddr 10.0.1.2 icmp type echo-request drop',
    ],
    from: 'a',
    target: '10.0.2.2',
    hops: ['a:source', 'r:router', 'b:destination'],
    problem: { code: 'firewall', namespace: 'b', ifname: null },
    nft: true,
  },
];

const place = (name: string | null) => name ?? 'host';
const hopsOf = (r: PathExplanation, names: Map<string, string>) => r.hops.map((h) => `${names.get(h.namespaceId) ?? '?'}:${h.role}`);

let helper: HelperHandle | undefined;
let shell: LabShell | undefined;

afterEach(async () => {
  await shell?.close().catch(() => undefined);
  await helper?.close();
  helper = undefined;
  shell = undefined;
});

async function lab(build: string[]): Promise<{ helper: HelperHandle; shell: LabShell; names: Map<string, string> }> {
  helper = await startHelper();
  shell = await openLabShell(helper);
  const built = await shell.run([...PRELUDE, ...build].join(' &&\n'));
  expect(built.code, built.output).toBe(0);
  const topology = await helper.client.call('snapshot', {});
  const names = new Map(topology.namespaces.map((n) => [n.id, n.root ? 'host' : (n.name ?? n.id)]));
  return { helper, shell, names };
}

async function pingWorks(s: LabShell, from: string | null, target: string): Promise<boolean> {
  const ping = await s.run(`${from ? `ip netns exec ${from} ` : ''}ping -n -c 1 -W 2 ${target}`);
  return ping.code === 0;
}

async function nftWorks(s: LabShell): Promise<boolean> {
  return (await s.run('command -v nft >/dev/null && ip netns add nfttest && ip netns exec nfttest nft list ruleset >/dev/null && ip netns del nfttest')).code === 0;
}

describe('path.explain on labs that work', () => {
  for (const c of CASES.filter((x) => !x.problem)) {
    it(`${c.title}: reachable, hops ${c.hops.join(' → ')}, and the probe agrees`, async () => {
      const { helper: h, names } = await lab(c.build);
      const before = (await h.client.call('helper.stats', {})).processesStarted;
      const analysis = await h.client.call('path.explain', { namespace: c.from, target: c.target, probe: false });
      const spent = (await h.client.call('helper.stats', {})).processesStarted - before;
      expect(analysis.problem).toBeNull();
      expect(analysis.reachable).toBe(true);
      expect(hopsOf(analysis, names)).toEqual(c.hops);
      expect(analysis.checks.every((x) => x.ok)).toBe(true);
      // At most 3 ip processes per namespace on the path, plus one nft each where installed.
      expect(spent).toBeLessThanOrEqual(4 * new Set(analysis.hops.map((x) => x.namespaceId)).size);
      const probed = await h.client.call('path.explain', { namespace: c.from, target: c.target });
      expect(probed).toMatchObject({ reachable: true, problem: null, probe: { transmitted: 2, received: 2 } });
    });
  }
});

describe('path.explain on broken labs', () => {
  for (const c of CASES.filter((x) => x.problem)) {
    const want = c.problem as NonNullable<Case['problem']>;
    it(`${c.title}: ${want.code} at ${want.ifname ?? '—'} in ${place(want.namespace)}; the fix typed in the shell makes the ping work`, async (t) => {
      const { helper: h, shell: s, names } = await lab(c.build);
      if (c.nft && !(await nftWorks(s))) return t.skip();
      if (!c.sometimes) expect(await pingWorks(s, c.from, c.target)).toBe(false);
      const before = (await h.client.call('helper.stats', {})).processesStarted;
      const analysis = await h.client.call('path.explain', { namespace: c.from, target: c.target, probe: false });
      const spent = (await h.client.call('helper.stats', {})).processesStarted - before;
      expect(analysis.reachable).toBe(false);
      expect(analysis.problem).toMatchObject({ code: want.code, namespace: want.namespace, ifname: want.ifname });
      expect(names.get(analysis.problem?.namespaceId ?? '')).toBe(place(want.namespace));
      expect(hopsOf(analysis, names)).toEqual(c.hops);
      expect(analysis.checks.at(-1)).toMatchObject({ ok: false, text: analysis.problem?.message });
      const onPath = new Set([...analysis.hops.map((x) => x.namespaceId), analysis.problem?.namespaceId]);
      expect(spent).toBeLessThanOrEqual(4 * onPath.size);
      expect(analysis.problem?.fix.length).toBeGreaterThan(0);

      const probed = await h.client.call('path.explain', { namespace: c.from, target: c.target });
      if (probed.reachable) {
        // Only where the kernel may get lucky: then the problem is a note, not a verdict.
        expect(c.sometimes).toBe(true);
        expect(probed).toMatchObject({ problem: null, note: expect.stringContaining(analysis.problem?.message ?? '?') });
      } else expect(probed).toMatchObject({ probe: { received: 0 }, problem: { code: want.code } });

      const fixed = await s.run(analysis.problem?.fix.join(' &&\n') ?? 'false');
      expect(fixed.code, fixed.output).toBe(0);
      expect(await pingWorks(s, c.from, c.target)).toBe(true);
      await h.client.call('snapshot', {});
      const after = await h.client.call('path.explain', { namespace: c.from, target: c.target });
      expect(after).toMatchObject({ reachable: true, problem: null });
    });
  }

  for (const c of CASES.filter((x) => x.problem && !x.nft)) {
    const want = c.problem as NonNullable<Case['problem']>;
    it(`${c.title}: the actions, sent over RPC in a fresh lab, make the ping work`, async () => {
      const { helper: h, shell: s } = await lab(c.build);
      const analysis = await h.client.call('path.explain', { namespace: c.from, target: c.target, probe: false });
      expect(analysis.problem?.code).toBe(want.code);
      expect(analysis.problem?.actions.length).toBeGreaterThan(0);
      for (const action of analysis.problem?.actions ?? []) {
        await h.client.call(action.method as MethodName, action.params as MethodParams[MethodName]);
      }
      expect(await pingWorks(s, c.from, c.target)).toBe(true);
      expect(await h.client.call('path.explain', { namespace: c.from, target: c.target })).toMatchObject({ reachable: true, problem: null });
    });
  }
});
