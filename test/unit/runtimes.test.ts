// Asking a runtime for a container's name, against a server that speaks the
// Docker API's container-inspect call on a Unix socket.
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerNames, inspectContainer, RETRY_MAX_MS, runtimeSockets } from '../../electron/helper/runtimes';

const socket = join(mkdtempSync(join(tmpdir(), 'netns-explorer-docker-')), 'docker.sock');
let server: Server;
let asked = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    asked++;
    if (req.url === '/containers/3f2a9c1e5b7d/json') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Name: '/web', Config: { Image: 'nginx:1.27' } }));
    } else res.writeHead(404).end('{"message":"No such container"}');
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});

afterAll(() => server.close());

describe('container names', () => {
  it('reads name and image from a Docker-compatible socket', async () => {
    expect(await inspectContainer(socket, '3f2a9c1e5b7d')).toEqual({ name: 'web', image: 'nginx:1.27' });
    expect(await inspectContainer(socket, 'nope')).toBeNull();
    expect(await inspectContainer(join(socket, '..', 'missing.sock'), 'x')).toBeNull();
  });

  it('asks once per container, and only runtimes it knows', async () => {
    const names = new ContainerNames((runtime) => (runtime === 'docker' ? [socket] : []));
    asked = 0;
    expect(await names.lookup('docker', '3f2a9c1e5b7d')).toEqual({ name: 'web', image: 'nginx:1.27' });
    expect(await names.lookup('docker', '3f2a9c1e5b7d')).toEqual({ name: 'web', image: 'nginx:1.27' });
    expect(asked).toBe(1);
    expect(await names.lookup('systemd', 'x')).toBeNull();
    expect(await names.lookup(null, null)).toBeNull();
  });

  it('asks again, waiting longer each time up to a few seconds, when the runtime did not answer', async () => {
    const late = join(mkdtempSync(join(tmpdir(), 'netns-explorer-late-')), 'docker.sock');
    let clock = 0;
    const names = new ContainerNames(
      (runtime) => (runtime === 'docker' ? [late] : []),
      () => clock,
    );
    // No socket yet (a helper started before dockerd).
    expect(await names.lookup('docker', '3f2a9c1e5b7d')).toBeNull();
    const lateServer = createServer((_req, res) => {
      asked++;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Name: '/late', Config: { Image: 'busybox' } }));
    });
    await new Promise<void>((resolve) => lateServer.listen(late, resolve));
    try {
      asked = 0;
      clock = 400;
      expect(await names.lookup('docker', '3f2a9c1e5b7d')).toBeNull();
      expect(asked).toBe(0);
      clock = 600;
      expect(await names.lookup('docker', '3f2a9c1e5b7d')).toEqual({ name: 'late', image: 'busybox' });
      expect(asked).toBe(1);
      // Kept for good once known.
      clock = 1_000_000;
      await names.lookup('docker', '3f2a9c1e5b7d');
      expect(asked).toBe(1);
    } finally {
      lateServer.close();
    }
  });

  it('waits longer each time a runtime stays silent, but never more than RETRY_MAX_MS', async () => {
    let clock = 0;
    const askedAt: number[] = [];
    // The socket list is read each time the runtime is actually asked.
    const names = new ContainerNames(
      () => {
        askedAt.push(clock);
        return [];
      },
      () => clock,
    );
    for (clock = 0; clock <= 20_000; clock += 50) await names.lookup('docker', 'silent');
    const gaps = askedAt.slice(1).map((t, i) => t - (askedAt[i] as number));
    expect(gaps.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(Math.max(...gaps)).toBe(RETRY_MAX_MS);
    expect(RETRY_MAX_MS).toBeLessThan(5000);
  });

  it('knows where docker and podman keep their sockets', () => {
    expect(runtimeSockets('docker')).toContain('/var/run/docker.sock');
    expect(runtimeSockets('podman', { XDG_RUNTIME_DIR: '/run/user/1000' })).toContain('/run/user/1000/podman/podman.sock');
  });
});
