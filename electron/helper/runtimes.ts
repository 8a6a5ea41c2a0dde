// A container's name and image, asked of its runtime over its API socket
// (Docker's, or Podman's Docker-compatible one) when that socket answers.
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { Runtime } from './holders';

export interface ContainerDetails {
  name: string;
  image: string;
}

/** Where each runtime's API socket usually is. */
export function runtimeSockets(runtime: Runtime, env: NodeJS.ProcessEnv = process.env): string[] {
  if (runtime === 'docker') return ['/var/run/docker.sock', '/run/docker.sock'];
  if (runtime === 'podman') return ['/run/podman/podman.sock', ...(env.XDG_RUNTIME_DIR ? [`${env.XDG_RUNTIME_DIR}/podman/podman.sock`] : [])];
  return [];
}

/** GET /containers/ID/json on a Docker-compatible API socket; null when it does not answer in time. */
export function inspectContainer(socketPath: string, id: string, timeoutMs = 400): Promise<ContainerDetails | null> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: `/containers/${encodeURIComponent(id)}/json`, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          const json = JSON.parse(body) as { Name?: string; Config?: { Image?: string } };
          resolve(res.statusCode === 200 && json.Name ? { name: json.Name.replace(/^\//, ''), image: json.Config?.Image ?? '' } : null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** Asks each reachable socket of the runtime, remembering answers (containers keep their names). */
export class ContainerNames {
  private readonly known = new Map<string, ContainerDetails | null>();

  constructor(private readonly sockets: (runtime: Runtime) => string[] = (runtime) => runtimeSockets(runtime)) {}

  async lookup(runtime: Runtime | null, id: string | null): Promise<ContainerDetails | null> {
    if (!runtime || !id) return null;
    const key = `${runtime}/${id}`;
    if (this.known.has(key)) return this.known.get(key) ?? null;
    let details: ContainerDetails | null = null;
    for (const socket of this.sockets(runtime).filter((s) => existsSync(s))) {
      details = await inspectContainer(socket, id);
      if (details) break;
    }
    this.known.set(key, details);
    return details;
  }
}
