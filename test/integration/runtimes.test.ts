// Real Podman, Docker and containerd, run inside a sandbox that plays the
// host (a private network, mount and pid namespace; state on tmpfs), with the
// helper in host mode there. Every container's namespace, cable, address and
// label is compared with what the runtime's own inspect says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Link, Namespace, Topology } from '../../shared/model';
import { ErrorCode, type TopologyChange } from '../../shared/protocol';
import { startHelper, type HelperHandle } from '../support/helper';
import { execFileSync } from 'node:child_process';
import { startRuntimes, startSandbox, type RuntimeHandle, type RuntimeName, type Sandbox } from '../support/runtime-sandbox';
import { startSshServer } from '../support/ssh-server';

interface NetworkFacts {
  IPAddress?: string;
  IPPrefixLen?: number;
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  MacAddress?: string;
  Gateway?: string;
}
interface Inspected {
  Id: string;
  Name: string;
  State: { Pid: number };
  Pod?: string;
  NetworkSettings: { Networks?: Record<string, NetworkFacts> };
}

/** The machine's own interface names (read, never changed). */
const machineLinks = () => (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[]).map((l) => l.ifname).sort();
const linksBefore = machineLinks();

let sandbox: Sandbox;
let helper: HelperHandle;
const runtimes = new Map<RuntimeName, RuntimeHandle>();
const unavailable = new Map<RuntimeName, string>();
/** The Podman environment the helper gets too, so the podman CLI it may ask sees the sandbox's containers. */
let podmanEnv: NodeJS.ProcessEnv = {};

/** Runs `fn` only where the runtime runs; says which runtime was skipped and why. */
function withRuntime(name: RuntimeName, title: string, fn: (rt: RuntimeHandle) => Promise<void>, timeout = 60_000): void {
  it(
    `${name}: ${title}`,
    async (ctx) => {
      const rt = runtimes.get(name);
      if (!rt) {
        ctx.skip(`${name} cannot run here: ${unavailable.get(name)}`);
        return;
      }
      await fn(rt);
    },
    timeout,
  );
}

async function inspect(rt: RuntimeHandle, name: string): Promise<Inspected> {
  return (JSON.parse(await rt.cli(['inspect', '--type', 'container', name])) as Inspected[])[0] as Inspected;
}

/** The container's first process, as the sandbox numbers it (the helper shares that /proc). */
async function pidOf(rt: RuntimeHandle, name: string): Promise<number> {
  if (rt.name !== 'containerd') return (await inspect(rt, name)).State.Pid;
  const line = (await rt.cli(['task', 'ls'])).split('\n').find((l) => l.split(/\s+/)[0] === name);
  return Number(line?.split(/\s+/)[1]);
}

async function nsOfPid(pid: number): Promise<string> {
  return /\d+/.exec(await sandbox.check(['readlink', `/proc/${pid}/ns/net`]))?.[0] as string;
}

async function snapshot(): Promise<Topology> {
  return helper.client.call('snapshot', {});
}

function byId(t: Topology, id: string): Namespace {
  const ns = t.namespaces.find((n) => n.id === id);
  if (!ns) throw new Error(`namespace ${id} is not in the snapshot: ${t.namespaces.map((n) => `${n.id} ${n.title}`).join(', ')}`);
  return ns;
}

/** `ip -j addr` inside a container's namespace, run by the test itself: the ground truth. */
async function ipAddrIn(pid: number): Promise<{ ifname: string; address: string; addr_info: { local: string; prefixlen: number; scope: string }[] }[]> {
  return JSON.parse(await sandbox.check(['nsenter', '-t', String(pid), '-n', 'ip', '-j', 'addr', 'show'])) as never;
}

/** Checks a container's namespace against inspect and ip: addresses, MACs, and a cable to a host bridge holding the gateway. */
async function expectMatchesInspect(rt: RuntimeHandle, name: string, t: Topology): Promise<Namespace> {
  const facts = await inspect(rt, name);
  const ns = byId(t, await nsOfPid(facts.State.Pid));
  const host = t.namespaces.find((n) => n.root) as Namespace;
  const nets = Object.values(facts.NetworkSettings.Networks ?? {});
  const shown = ns.links.filter((l) => l.kind !== 'loopback');
  const truth = (await ipAddrIn(facts.State.Pid)).filter((l) => l.ifname !== 'lo');
  expect(shown.map((l) => l.ifname).sort()).toEqual(truth.map((l) => l.ifname).sort());
  expect(shown.map((l) => l.mac).sort()).toEqual(nets.map((n) => n.MacAddress).sort());
  const addresses = shown.flatMap((l) => l.addresses.filter((a) => !a.startsWith('fe80:')));
  const inspected = nets.flatMap((n) => [`${n.IPAddress}/${n.IPPrefixLen}`, ...(n.GlobalIPv6Address ? [`${n.GlobalIPv6Address}/${n.GlobalIPv6PrefixLen}`] : [])]);
  expect(addresses.sort()).toEqual(inspected.sort());
  for (const link of shown) {
    expect(link.kind).toBe('veth');
    expect(link.peer?.namespaceId).toBe(host.id);
    const hostEnd = host.links.find((l) => l.ifname === link.peer?.ifname) as Link;
    const bridge = host.links.find((l) => l.ifname === hostEnd.master);
    expect(bridge?.kind).toBe('bridge');
    const gateways = nets.map((n) => n.Gateway);
    expect(bridge?.addresses.some((a) => gateways.includes(a.split('/')[0]))).toBe(true);
  }
  return ns;
}

beforeAll(async () => {
  sandbox = await startSandbox();
  const started = await startRuntimes(sandbox, 'runtimes.test');
  for (const [name, rt] of started.running) runtimes.set(name, rt);
  for (const [name, why] of started.unavailable) unavailable.set(name, why);
  podmanEnv = runtimes.get('podman')?.env ?? {};

  const podman = runtimes.get('podman');
  const docker = runtimes.get('docker');
  if (podman) {
    const run = (args: string[]) => podman.cli(['run', '-d', ...args, podman.image, 'sleep', '3600']);
    await podman.cli(['network', 'create', 'pnet']);
    await podman.cli(['network', 'create', '--ipv6', '--subnet', 'fd00:7::/64', 'p6']);
    await run(['--name', 'pweb']);
    await run(['--name', 'puser', '--network', 'pnet']);
    await run(['--name', 'pnone', '--network', 'none']);
    await run(['--name', 'pjoin', '--network', 'container:pweb']);
    await run(['--name', 'ptwo', '--network', 'podman', '--network', 'pnet']);
    await run(['--name', 'p6c', '--network', 'p6']);
    await podman.cli(['pod', 'create', '--name', 'ppod']);
    await run(['--name', 'ppod-a', '--pod', 'ppod']);
    await run(['--name', 'ppod-b', '--pod', 'ppod']);
  }
  if (docker) {
    const run = (args: string[]) => docker.cli(['run', '-d', ...args, docker.image, 'sleep', '3600']);
    await docker.cli(['network', 'create', 'dnet']);
    await run(['--name', 'dweb']);
    await run(['--name', 'duser', '--network', 'dnet']);
    await run(['--name', 'dnone', '--network', 'none']);
    await run(['--name', 'djoin', '--network', 'container:dweb']);
  }
  const ctr = runtimes.get('containerd');
  if (ctr) await ctr.cli(['run', '-d', '--cni', ctr.image, 'cweb', 'sleep', '3600']);
  helper = await startHelper(['--host', '--reconcile-ms=0'], podmanEnv, sandbox.argv([]));
}, 240_000);

afterAll(async () => {
  await helper?.close();
  await sandbox?.close();
}, 60_000);

describe('real container runtimes, in a sandbox that plays the host', () => {
  it('runs at least one runtime, and says which could not run and why', () => {
    expect(runtimes.size + unavailable.size).toBe(3);
    if (process.env.CI === 'true') expect(runtimes.size).toBeGreaterThan(0);
  });

  it('shows every container namespace exactly once', async () => {
    const t = await snapshot();
    const ids = t.namespaces.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [name, rt] of runtimes) {
      const containers = name === 'podman' ? ['pweb', 'puser', 'pnone', 'ptwo', 'p6c', 'ppod-a'] : name === 'docker' ? ['dweb', 'duser', 'dnone'] : ['cweb'];
      for (const container of containers) byId(t, await nsOfPid(await pidOf(rt, container)));
    }
  });

  withRuntime('podman', 'default bridge, user network, two networks and IPv6 match podman inspect, titled by container name', async (rt) => {
    const t = await snapshot();
    for (const name of ['pweb', 'puser', 'ptwo', 'p6c']) {
      const ns = await expectMatchesInspect(rt, name, t);
      expect(ns.title).toBe(name);
      // netavark's name for it stays, as such.
      expect(ns.name).toMatch(/^netns-[0-9a-f-]{36}$/);
      expect(ns.holders?.find((h) => h.containerName === name)).toMatchObject({ runtime: 'podman', image: rt.image + ':latest' });
    }
    expect((await expectMatchesInspect(rt, 'ptwo', t)).links.filter((l) => l.kind === 'veth')).toHaveLength(2);
  });

  withRuntime('podman', '--network none and --network container:X', async (rt) => {
    const t = await snapshot();
    const none = byId(t, await nsOfPid(await pidOf(rt, 'pnone')));
    expect(none.title).toBe('pnone');
    expect(none.links.map((l) => l.ifname)).toEqual(['lo']);
    const web = byId(t, await nsOfPid(await pidOf(rt, 'pweb')));
    expect(await nsOfPid(await pidOf(rt, 'pjoin'))).toBe(web.id);
    expect(web.title).toBe('pweb');
    expect(web.holders?.map((h) => h.containerName)).toEqual(expect.arrayContaining(['pweb', 'pjoin']));
  });

  withRuntime('podman', "a pod is titled by the pod's name, with its id, and every member is a holder", async (rt) => {
    const podId = JSON.parse(await rt.cli(['pod', 'inspect', 'ppod'])) as { Id: string } | { Id: string }[];
    const id = Array.isArray(podId) ? (podId[0] as { Id: string }).Id : podId.Id;
    const t = await snapshot();
    const pod = byId(t, await nsOfPid(await pidOf(rt, 'ppod-a')));
    expect(await nsOfPid(await pidOf(rt, 'ppod-b'))).toBe(pod.id);
    expect(pod.title).toBe('ppod');
    const members = pod.holders?.filter((h) => h.containerName === 'ppod-a' || h.containerName === 'ppod-b') ?? [];
    expect(members).toHaveLength(2);
    for (const member of members) expect(member).toMatchObject({ podId: id, podName: 'ppod' });
    // The infra process (catatonit) holds it too.
    expect(pod.holderCount).toBeGreaterThanOrEqual(3);
  });

  withRuntime('docker', 'default bridge and user network match docker inspect; none and container:X too', async (rt) => {
    const t = await snapshot();
    for (const name of ['dweb', 'duser']) {
      const ns = await expectMatchesInspect(rt, name, t);
      expect(ns.title).toBe(name);
      expect(ns.mounts?.[0]).toMatch(/^\/run\/docker\/netns\//);
    }
    const none = byId(t, await nsOfPid(await pidOf(rt, 'dnone')));
    expect(none.title).toBe('dnone');
    expect(none.links.map((l) => l.ifname)).toEqual(['lo']);
    const web = byId(t, await nsOfPid(await pidOf(rt, 'dweb')));
    expect(await nsOfPid(await pidOf(rt, 'djoin'))).toBe(web.id);
    expect(web.holders?.map((h) => h.containerName)).toEqual(expect.arrayContaining(['dweb', 'djoin']));
  });

  withRuntime('containerd', 'a ctr --cni container is titled by its id, cabled to cni0, addressed as ip says', async (rt) => {
    const pid = await pidOf(rt, 'cweb');
    const t = await snapshot();
    const ns = byId(t, await nsOfPid(pid));
    expect(ns.title).toBe('cweb');
    expect(ns.holders?.[0]).toMatchObject({ runtime: 'containerd', containerId: 'cweb' });
    const truth = (await ipAddrIn(pid)).find((l) => l.ifname === 'eth0');
    const eth0 = ns.links.find((l) => l.ifname === 'eth0') as Link;
    expect(eth0.addresses).toContain(`${truth?.addr_info.find((a) => a.scope === 'global')?.local}/24`);
    const host = t.namespaces.find((n) => n.root) as Namespace;
    expect(host.links.find((l) => l.ifname === eth0.peer?.ifname)?.master).toBe('cni0');
  });

  withRuntime('podman', 'holders follow processes: a container joining a namespace shows within seconds, with no netlink event and no reconcile', async (rt) => {
    const web = await nsOfPid(await pidOf(rt, 'pweb'));
    const since = helper.notifications.length;
    await rt.cli(['run', '-d', '--name', 'plate', '--network', 'container:pweb', rt.image, 'sleep', '3600']);
    const started = performance.now();
    await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.id === web && !!n.holders?.some((h) => h.containerName === 'plate')), 10_000, since);
    process.stderr.write(`runtimes.test: a joining container showed as a holder after ${Math.round(performance.now() - started)} ms\n`);
    await rt.cli(['rm', '-f', '-t', '0', 'plate']);
    await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.id === web && !n.holders?.some((h) => h.containerName === 'plate')), 10_000, since);
  });

  withRuntime('docker', 'docker run and rm are announced without their passing steps: the container first shows named and cabled, and goes without showing emptied', async (rt) => {
    const since = helper.notifications.length;
    await rt.cli(['run', '-d', '--name', 'dlate', rt.image, 'sleep', '3600']);
    const id = await nsOfPid(await pidOf(rt, 'dlate'));
    await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.id === id && n.title === 'dlate'), 10_000, since);
    await rt.cli(['rm', '-f', 'dlate']);
    await helper.waitFor('topology', (c) => c.removed.includes(id), 10_000, since);
    const shown = helper.notifications
      .slice(since)
      .filter((n) => n.method === 'topology')
      .flatMap((n) => (n.params as TopologyChange).namespaces.filter((ns) => ns.id === id));
    // Its veth end was moved in and renamed eth0 before it was first shown, and it was shown by name.
    expect(shown[0]?.links.map((l) => l.ifname)).toEqual(['lo', 'eth0']);
    expect(shown[0]?.title).toBe('dlate');
    // An exiting process is no holder: never "?, pid N".
    for (const ns of shown) expect(ns.holders?.map((h) => h.command) ?? []).not.toContain('?');
  });

  withRuntime('podman', "deleting netavark's name for a running container is refused, naming the container and how to stop it; nothing changes", async (rt) => {
    const t = await snapshot();
    const web = byId(t, await nsOfPid(await pidOf(rt, 'pweb')));
    const refused = await helper.client.call('netns.delete', { namespaceId: web.id }).catch((e: { code: number; message: string; data: { title: string } }) => e);
    expect(refused).toMatchObject({ code: ErrorCode.RiskRefused });
    const message = (refused as { message: string }).message;
    expect(message).toContain('podman container pweb');
    expect(message).toContain("pweb's namespace (netns-");
    expect(message).toContain("The name is Podman (netavark)'s own: its clean-up of the container will fail");
    expect((refused as { data: { title: string } }).data.title).toBe('Delete the name of pweb?');
    expect(message).toContain('podman stop pweb');
    const after = byId(await snapshot(), web.id);
    expect(after.name).toBe(web.name);
    expect(after.links.map((l) => l.ifname)).toEqual(web.links.map((l) => l.ifname));
  });

  it("never lists a helper's own processes (nor another helper's) as holders", async () => {
    const other = await startHelper(['--host', '--reconcile-ms=0'], podmanEnv, sandbox.argv([]));
    try {
      for (let i = 0; i < 5; i++) {
        const [mine, theirs] = await Promise.all([snapshot(), other.client.call('snapshot', {})]);
        for (const t of [mine, theirs]) for (const ns of t.namespaces) expect(ns.holders?.map((h) => h.command) ?? []).not.toContain('ip');
      }
    } finally {
      await other.close();
    }
  });

  it("leaves the machine's own interfaces as they were: every bridge and veth stayed in the sandbox", () => {
    expect(machineLinks()).toEqual(linksBefore);
  });
});

describe('the same sandbox as a remote host, over SSH', () => {
  it("names every runtime's containers there by asking its CLIs on the server: Podman's with their pod, Docker's, containerd's", async (ctx) => {
    if (runtimes.size === 0) return ctx.skip('no container runtime could run here');
    // The podman CLI on the server runs with no environment of the test's: the sandbox's config goes where podman looks by default.
    const podman = runtimes.get('podman');
    if (podman) {
      const etc = `${sandbox.state}/etc-containers`;
      await sandbox.check(['mkdir', '-p', etc]);
      await sandbox.check(['cp', '-a', '/etc/containers/.', etc]);
      await sandbox.check(['cp', podman.env.CONTAINERS_CONF as string, `${etc}/containers.conf`]);
      await sandbox.check(['cp', podman.env.CONTAINERS_STORAGE_CONF as string, `${etc}/storage.conf`]);
      await sandbox.check(['mount', '--bind', etc, '/etc/containers']);
    }
    const server = await startSshServer({ inside: sandbox.pid });
    const remote = await startHelper(['--ssh=server', `--ssh-config=${server.configFile}`, '--reconcile-ms=0'], { SSH_AUTH_SOCK: '' }, server.clientWrap);
    try {
      const t = await remote.client.call('snapshot', {});
      // [runtime, container, the namespace's title, what its holder says]
      const expected: [RuntimeName, string, string, Record<string, string>][] = [
        ['podman', 'pweb', 'pweb', { runtime: 'podman', containerName: 'pweb', image: `${podman?.image}:latest` }],
        ['podman', 'ppod-a', 'ppod', { runtime: 'podman', containerName: 'ppod-a', podName: 'ppod' }],
        ['docker', 'dweb', 'dweb', { runtime: 'docker', containerName: 'dweb', image: runtimes.get('docker')?.image ?? '' }],
        ['containerd', 'cweb', 'cweb', { runtime: 'containerd', containerName: 'cweb' }],
      ];
      for (const [runtime, name, title, facts] of expected) {
        const rt = runtimes.get(runtime);
        if (!rt) continue;
        const ns = byId(t, await nsOfPid(await pidOf(rt, name)));
        expect(
          ns.holders?.find((h) => h.containerName === name),
          `${name} on the remote host`,
        ).toMatchObject(facts);
        expect(ns.title, name).toBe(title);
      }
    } finally {
      await remote.close();
      server.stop();
    }
  }, 120_000);
});
