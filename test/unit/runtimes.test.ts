// Asking a runtime about a container, against servers that speak the Docker
// API's and Podman's inspect calls on Unix sockets, and the fallbacks when no
// socket answers (conmon's argv, the podman CLI, kubelet's log directories).
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CgroupIdentity, Runtime } from '../../electron/helper/holders';
import { conmonName, ContainerNames, inspectContainer, kubePodName, RETRY_MAX_MS, runtimeSockets, type NameSources } from '../../electron/helper/runtimes';

const dir = mkdtempSync(join(tmpdir(), 'netns-explorer-runtimes-'));
const dockerSocket = join(dir, 'docker.sock');
const podmanSocket = join(dir, 'podman.sock');
const servers: Server[] = [];
let asked = 0;
const POD = 'e086e7cccd1f4a0c7cc15e6a46f7b66f70760855c0121c13ee09c8a5a28eb61f';
const MEMBER = 'ed0cfc824dcf37cc5a51f23d83d1480387c23de55e52db7b4a0c5e87a523876b';

function serve(socket: string, answer: (url: string) => unknown): Promise<Server> {
  const server = createServer((req, res) => {
    asked++;
    const body = answer(req.url ?? '');
    if (body) res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    else res.writeHead(404).end('{"message":"no such thing"}');
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(socket, () => resolve(server)));
}

beforeAll(async () => {
  await serve(dockerSocket, (url) => (url === '/containers/3f2a9c1e5b7d/json' ? { Name: '/web', Config: { Image: 'nginx:1.27' } } : null));
  // As Podman 4.3 answered (trimmed): its own API knows the pod.
  await serve(podmanSocket, (url) => {
    if (url === `/v4.0.0/libpod/containers/${MEMBER}/json`) return { Id: MEMBER, Name: 'ppod-a', ImageName: 'localhost/local/bb:latest', Pod: POD };
    if (url === `/v4.0.0/libpod/pods/${POD}/json`) return { Id: POD, Name: 'ppod' };
    return null;
  });
});

afterAll(() => servers.forEach((s) => s.close()));

const identity = (runtime: Runtime | null, containerId: string | null, podId: string | null = null): CgroupIdentity => ({ runtime, containerId, podId, unit: null });

function sources(over: Partial<NameSources> = {}): NameSources {
  return { sockets: () => [], parentArgv: async () => [], cli: async () => null, kubePodDirs: async () => [], ...over };
}

describe('container names', () => {
  it('reads name and image from a Docker-compatible socket', async () => {
    expect(await inspectContainer(dockerSocket, '3f2a9c1e5b7d')).toEqual({ name: 'web', image: 'nginx:1.27' });
    expect(await inspectContainer(dockerSocket, 'nope')).toBeNull();
    expect(await inspectContainer(join(dir, 'missing.sock'), 'x')).toBeNull();
  });

  it('asks once per container, and only runtimes it knows', async () => {
    const names = new ContainerNames(sources({ sockets: (runtime) => (runtime === 'docker' ? [dockerSocket] : []) }));
    asked = 0;
    expect(await names.lookup(identity('docker', '3f2a9c1e5b7d'), 1)).toEqual({ name: 'web', image: 'nginx:1.27' });
    expect(await names.lookup(identity('docker', '3f2a9c1e5b7d'), 1)).toEqual({ name: 'web', image: 'nginx:1.27' });
    expect(asked).toBe(1);
    expect(await names.lookup(identity('systemd', null), 1)).toBeNull();
    expect(await names.lookup(identity(null, null), 1)).toBeNull();
  });

  it("gives a Podman container its pod's id and name from Podman's own API", async () => {
    const names = new ContainerNames(sources({ sockets: (runtime) => (runtime === 'podman' ? [podmanSocket] : []) }));
    expect(await names.lookup(identity('podman', MEMBER), 1)).toEqual({ name: 'ppod-a', image: 'localhost/local/bb:latest', podId: POD, podName: 'ppod' });
  });

  it("takes ctr's container ids as names, but not a generated 64-hex id", async () => {
    const names = new ContainerNames(sources());
    expect(await names.lookup(identity('containerd', 'cweb'), 1)).toEqual({ name: 'cweb', image: '' });
    expect(await names.lookup(identity('containerd', MEMBER), 1)).toBeNull();
  });

  it('asks again, waiting longer each time up to a few seconds, when the runtime did not answer', async () => {
    const late = join(mkdtempSync(join(tmpdir(), 'netns-explorer-late-')), 'docker.sock');
    let clock = 0;
    const names = new ContainerNames(sources({ sockets: (runtime) => (runtime === 'docker' ? [late] : []) }), () => clock);
    // No socket yet (a helper started before dockerd).
    expect(await names.lookup(identity('docker', '3f2a9c1e5b7d'), 1)).toBeNull();
    expect(names.retryDue()).toBe(false);
    await serve(late, () => ({ Name: '/late', Config: { Image: 'busybox' } }));
    asked = 0;
    clock = 400;
    expect(names.retryDue()).toBe(false);
    expect(await names.lookup(identity('docker', '3f2a9c1e5b7d'), 1)).toBeNull();
    expect(asked).toBe(0);
    clock = 600;
    // Due, and the socket is there now: a watcher would re-list.
    expect(names.retryDue()).toBe(true);
    expect(await names.lookup(identity('docker', '3f2a9c1e5b7d'), 1)).toEqual({ name: 'late', image: 'busybox' });
    expect(asked).toBe(1);
    expect(names.retryDue()).toBe(false);
    // Kept for good once known.
    clock = 1_000_000;
    await names.lookup(identity('docker', '3f2a9c1e5b7d'), 1);
    expect(asked).toBe(1);
  });

  it('waits longer each time a runtime stays silent, but never more than RETRY_MAX_MS', async () => {
    let clock = 0;
    const askedAt: number[] = [];
    // The socket list is read each time the runtime is actually asked.
    const names = new ContainerNames(
      sources({
        sockets: () => {
          askedAt.push(clock);
          return [];
        },
      }),
      () => clock,
    );
    for (clock = 0; clock <= 20_000; clock += 50) await names.lookup(identity('docker', 'silent0000000'), 1);
    const gaps = askedAt.slice(1).map((t, i) => t - (askedAt[i] as number));
    expect(gaps.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(Math.max(...gaps)).toBe(RETRY_MAX_MS);
    expect(RETRY_MAX_MS).toBeLessThan(5000);
  });

  it("without a socket, names a Podman container from conmon's argv and keeps asking the API; the CLI is asked once", async () => {
    let clock = 0;
    const cli: string[][] = [];
    const conmon = ['/usr/bin/conmon', '--api-version', '1', '-c', MEMBER, '-u', MEMBER, '-r', '/usr/bin/runc', '-n', 'ppod-a', '--exit-dir', '/x'];
    const names = new ContainerNames(
      sources({
        parentArgv: async (pid) => (pid === 42 ? conmon : []),
        cli: async (program, args) => (cli.push([program, ...args]), null),
      }),
      () => clock,
    );
    expect(await names.lookup(identity('podman', MEMBER), 42)).toEqual({ name: 'ppod-a', image: '' });
    clock = 10_000;
    expect(await names.lookup(identity('podman', MEMBER), 42)).toEqual({ name: 'ppod-a', image: '' });
    expect(cli).toHaveLength(1);
  });

  it('asks the podman CLI when no socket answers, pod name included', async () => {
    const names = new ContainerNames(
      sources({
        cli: async (program, args) =>
          program !== 'podman' ? null : args[0] === 'container' ? `ppod-a\tlocalhost/local/bb:latest\t${POD}\n` : args[0] === 'pod' && args.at(-1) === POD ? 'ppod\n' : null,
      }),
    );
    expect(await names.lookup(identity('podman', MEMBER, POD), 1)).toEqual({ name: 'ppod-a', image: 'localhost/local/bb:latest', podId: POD, podName: 'ppod' });
  });

  it("asks the docker CLI once when no socket answers (a remote machine's, another user's), and keeps what it says", async () => {
    const cli: string[][] = [];
    const names = new ContainerNames(sources({ cli: async (program, args) => (cli.push([program, ...args]), program === 'docker' && args.includes('3f2a9c1e5b7d') ? '/web\tnginx:1.27\n' : null) }));
    expect(await names.lookup(identity('docker', '3f2a9c1e5b7d'), 1)).toEqual({ name: 'web', image: 'nginx:1.27' });
    expect(await names.lookup(identity('docker', '3f2a9c1e5b7d'), 1)).toEqual({ name: 'web', image: 'nginx:1.27' });
    expect(cli.map(([program]) => program)).toEqual(['docker']);
  });

  it('asked side by side (a listing reads namespaces at once), asks a runtime one question at a time, once per container', async () => {
    let running = 0;
    let most = 0;
    const cli: string[] = [];
    const names = new ContainerNames(
      sources({
        cli: async (_program, args) => {
          running++;
          most = Math.max(most, running);
          cli.push(args.at(-1) as string);
          await new Promise((r) => setTimeout(r, 20));
          running--;
          return `c-${args.at(-1)}\timage\n`;
        },
      }),
    );
    const ids = ['a1', 'b2', 'c3', 'a1', 'b2', 'a1'];
    const found = await Promise.all(ids.map((id, pid) => names.lookup(identity('docker', id), pid)));
    expect(found.map((d) => d?.name)).toEqual(ids.map((id) => `c-${id}`));
    expect(most).toBe(1);
    expect(cli).toEqual(['a1', 'b2', 'c3']);
  });

  it('reads a Kubernetes pod as namespace/pod from kubelet log directories', async () => {
    const uid = '6b0e7a1c-2d3e-4f5a-8b9c-0d1e2f3a4b5c';
    const dirs = ['kube-system_coredns-5d78c9869d-x2x8q_11111111-2222-3333-4444-555555555555', `shop_web-7d9f_${uid}`];
    expect(kubePodName(dirs, uid)).toBe('shop/web-7d9f');
    expect(kubePodName(dirs, 'nope')).toBeNull();
    const names = new ContainerNames(sources({ kubePodDirs: async () => dirs }));
    expect(await names.lookup(identity('kubernetes', 'abc', uid), 1)).toMatchObject({ podName: 'shop/web-7d9f' });
  });

  it("reads conmon's argv only for its own container", () => {
    expect(conmonName(['/usr/bin/conmon', '-c', MEMBER, '-n', 'web'], MEMBER)).toBe('web');
    expect(conmonName(['/usr/bin/conmon', '-c', 'other', '-n', 'web'], MEMBER)).toBeNull();
    expect(conmonName(['/usr/bin/sleep', '-c', MEMBER, '-n', 'web'], MEMBER)).toBeNull();
  });

  it('forgets containers that are gone', async () => {
    let clock = 0;
    const names = new ContainerNames(sources({ sockets: () => [dockerSocket] }), () => clock);
    await names.lookup(identity('docker', 'gone00000000'), 1);
    clock = 10_000;
    expect(names.retryDue()).toBe(true);
    names.keepOnly(new Set());
    expect(names.retryDue()).toBe(false);
  });

  it('knows where docker and podman keep their sockets', () => {
    expect(runtimeSockets('docker')).toContain('/var/run/docker.sock');
    expect(runtimeSockets('podman', { XDG_RUNTIME_DIR: '/run/user/1000' })).toContain('/run/user/1000/podman/podman.sock');
  });
});
