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

/** The longest wait before asking again about a container whose runtime did not answer. */
export const RETRY_MAX_MS = 4000;
const RETRY_FIRST_MS = 500;

/**
 * Asks each reachable socket of the runtime. An answer is kept for good
 * (containers keep their names); no answer (no socket yet, a daemon that is
 * slow or restarting) is asked again later, waiting twice as long each time up
 * to RETRY_MAX_MS, so a name shows within a few seconds of its runtime answering.
 */
export class ContainerNames {
  private readonly known = new Map<string, ContainerDetails>();
  private readonly unanswered = new Map<string, { at: number; waitMs: number }>();

  constructor(
    private readonly sockets: (runtime: Runtime) => string[] = (runtime) => runtimeSockets(runtime),
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(runtime: Runtime | null, id: string | null): Promise<ContainerDetails | null> {
    if (!runtime || !id) return null;
    const key = `${runtime}/${id}`;
    const known = this.known.get(key);
    if (known) return known;
    const last = this.unanswered.get(key);
    if (last && this.now() < last.at + last.waitMs) return null;
    for (const socket of this.sockets(runtime).filter((s) => existsSync(s))) {
      const details = await inspectContainer(socket, id);
      if (details) {
        this.known.set(key, details);
        this.unanswered.delete(key);
        return details;
      }
    }
    this.unanswered.set(key, { at: this.now(), waitMs: last ? Math.min(last.waitMs * 2, RETRY_MAX_MS) : RETRY_FIRST_MS });
    return null;
  }
}
