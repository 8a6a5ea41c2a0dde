// A container's name, image and pod, asked of its runtime: over its API socket
// when one answers (Docker's, Podman's), else from what the machine shows
// (conmon's argv, the podman CLI, kubelet's log directories).
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { CgroupIdentity, Runtime } from './holders';

export interface ContainerDetails {
  name: string;
  image: string;
  /** Podman's pod id (the API knows it even where the cgroup does not say). */
  podId?: string;
  /** The pod's name: Podman's, or "namespace/pod" for Kubernetes. */
  podName?: string;
}

/** Where each runtime's API socket usually is. */
export function runtimeSockets(runtime: Runtime, env: NodeJS.ProcessEnv = process.env): string[] {
  if (runtime === 'docker') return ['/var/run/docker.sock', '/run/docker.sock'];
  if (runtime === 'podman') return ['/run/podman/podman.sock', ...(env.XDG_RUNTIME_DIR ? [`${env.XDG_RUNTIME_DIR}/podman/podman.sock`] : [])];
  return [];
}

/** GET on an API socket; the parsed JSON body of a 200 answer, else null (no answer in time, an error, not JSON). */
export function getJson(socketPath: string, path: string, timeoutMs = 400): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          const json = JSON.parse(body) as unknown;
          resolve(res.statusCode === 200 && json && typeof json === 'object' ? (json as Record<string, unknown>) : null);
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

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** GET /containers/ID/json (the Docker API, which Podman speaks too). */
export async function inspectContainer(socketPath: string, id: string, timeoutMs = 400): Promise<ContainerDetails | null> {
  const json = await getJson(socketPath, `/containers/${encodeURIComponent(id)}/json`, timeoutMs);
  const config = json?.Config as { Image?: unknown } | undefined;
  return json && text(json.Name) ? { name: text(json.Name).replace(/^\//, ''), image: text(config?.Image) } : null;
}

/** Podman's own API: the container with its pod, and the pod's name. */
export async function inspectPodmanContainer(socketPath: string, id: string, timeoutMs = 400): Promise<ContainerDetails | null> {
  const json = await getJson(socketPath, `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/json`, timeoutMs);
  if (!json || !text(json.Name)) return inspectContainer(socketPath, id, timeoutMs);
  const details: ContainerDetails = { name: text(json.Name), image: text(json.ImageName) };
  const podId = text(json.Pod);
  if (podId) {
    const pod = await getJson(socketPath, `/v4.0.0/libpod/pods/${encodeURIComponent(podId)}/json`, timeoutMs);
    details.podId = podId;
    if (pod && text(pod.Name)) details.podName = text(pod.Name);
  }
  return details;
}

/** The container name in conmon's argv (`-n NAME` for the container `-c ID`); null when it is not that container's conmon. */
export function conmonName(argv: readonly string[], containerId: string): string | null {
  if (!/(^|\/)conmon$/.test(argv[0] ?? '')) return null;
  const value = (flags: string[]) => {
    const at = argv.findIndex((a) => flags.includes(a));
    return at >= 0 ? (argv[at + 1] ?? null) : null;
  };
  const id = value(['-c', '--cid']);
  return id !== null && id.startsWith(containerId) ? value(['-n', '--name']) : null;
}

/** "namespace/pod" for a Kubernetes pod uid, from kubelet's /var/log/pods/NAMESPACE_POD_UID directory names. */
export function kubePodName(logDirs: readonly string[], podUid: string): string | null {
  for (const dir of logDirs) {
    if (!dir.endsWith(`_${podUid}`)) continue;
    const [namespace, pod] = dir.slice(0, -podUid.length - 1).split('_');
    if (namespace && pod) return `${namespace}/${pod}`;
  }
  return null;
}

/** Where names come from besides the API sockets; injected so the rules can be tested without a runtime. */
export interface NameSources {
  sockets(runtime: Runtime): string[];
  /** argv of the parent of a process (a container's first process is conmon's child); [] when unreadable. */
  parentArgv(pid: number): Promise<string[]>;
  /** Runs a runtime's CLI on the machine; its stdout, or null when it is not installed or fails. */
  cli(program: 'podman' | 'docker', args: string[]): Promise<string | null>;
  /** The directory names in /var/log/pods. */
  kubePodDirs(): Promise<string[]>;
}

/** The longest wait before asking again about a container whose runtime did not answer. */
export const RETRY_MAX_MS = 4000;
const RETRY_FIRST_MS = 500;

/** ctr's container ids are the names people gave them; a 64-hex id is a runtime's own. */
const GENERATED_ID = /^[0-9a-f]{64}$/;

/**
 * Asks each runtime about its containers. A full answer (the API, the CLI) is
 * kept for good: containers keep their names. Anything less (no socket yet, a
 * daemon that is slow or restarting, only conmon's argv) is asked again later,
 * waiting twice as long each time up to RETRY_MAX_MS, so a name shows within a
 * few seconds of its runtime answering.
 */
export class ContainerNames {
  private readonly known = new Map<string, ContainerDetails>();
  private readonly partial = new Map<string, ContainerDetails>();
  private readonly unanswered = new Map<string, { runtime: Runtime; at: number; waitMs: number }>();
  /** Containers a runtime's CLI was asked about: once each, since it costs a process. */
  private readonly askedCli = new Set<string>();

  constructor(
    private readonly sources: NameSources,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether asking again could now tell more: a retry is due and its runtime
   * has a socket to ask. Cheap (a stat per socket), for a watcher's tick.
   */
  retryDue(): boolean {
    const now = this.now();
    for (const { runtime, at, waitMs } of this.unanswered.values()) {
      if (now >= at + waitMs && this.sources.sockets(runtime).some((s) => existsSync(s))) return true;
    }
    return false;
  }

  /** Forgets what is asked about containers that are gone, so the retry list stays short. */
  keepOnly(live: ReadonlySet<string>): void {
    for (const map of [this.known, this.partial, this.unanswered]) for (const key of map.keys()) if (!live.has(key)) map.delete(key);
    for (const key of this.askedCli) if (!live.has(key)) this.askedCli.delete(key);
  }

  /** The key keepOnly takes for a holder. */
  static key(identity: Pick<CgroupIdentity, 'runtime' | 'containerId' | 'podId'>): string {
    return `${identity.runtime}/${identity.containerId ?? ''}/${identity.podId ?? ''}`;
  }

  async lookup(identity: CgroupIdentity, pid: number): Promise<ContainerDetails | null> {
    const { runtime, containerId, podId } = identity;
    if (runtime === 'containerd' && containerId) return GENERATED_ID.test(containerId) ? null : { name: containerId, image: '' };
    if (runtime !== 'docker' && runtime !== 'podman' && runtime !== 'kubernetes') return null;
    const key = ContainerNames.key(identity);
    return this.known.get(key) ?? this.oneAtATime(() => this.find(key, runtime, containerId, podId, pid));
  }

  /** Runtimes are asked one question at a time: a listing reads its namespaces side by side, and a first one on a busy machine would start a CLI per container at once. */
  private queue: Promise<unknown> = Promise.resolve();
  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async find(key: string, runtime: 'docker' | 'podman' | 'kubernetes', containerId: string | null, podId: string | null, pid: number): Promise<ContainerDetails | null> {
    // Asked while this one waited its turn.
    const known = this.known.get(key);
    if (known) return known;
    const last = this.unanswered.get(key);
    if (last && this.now() < last.at + last.waitMs) return this.partial.get(key) ?? null;
    const found = await this.ask(key, runtime, containerId, podId, pid);
    if (found.complete) {
      this.known.set(key, found.details as ContainerDetails);
      this.partial.delete(key);
      this.unanswered.delete(key);
      return found.details;
    }
    if (found.details) this.partial.set(key, found.details);
    this.unanswered.set(key, { runtime, at: this.now(), waitMs: last ? Math.min(last.waitMs * 2, RETRY_MAX_MS) : RETRY_FIRST_MS });
    return this.partial.get(key) ?? null;
  }

  private async ask(
    key: string,
    runtime: 'docker' | 'podman' | 'kubernetes',
    containerId: string | null,
    podId: string | null,
    pid: number,
  ): Promise<{ details: ContainerDetails | null; complete: boolean }> {
    if (runtime === 'kubernetes') {
      const podName = podId ? kubePodName(await this.sources.kubePodDirs(), podId) : null;
      return podName ? { details: { name: '', image: '', podName }, complete: true } : { details: null, complete: false };
    }
    if (!containerId) return { details: null, complete: false };
    for (const socket of this.sources.sockets(runtime).filter((s) => existsSync(s))) {
      const details = runtime === 'podman' ? await inspectPodmanContainer(socket, containerId) : await inspectContainer(socket, containerId);
      if (details) return { details, complete: true };
    }
    // No socket answered (none here, another user's, a remote machine's): the runtime's CLI, once.
    if (!this.askedCli.has(key)) {
      this.askedCli.add(key);
      const fromCli = runtime === 'podman' ? await this.askPodmanCli(containerId) : await this.askDockerCli(containerId);
      if (fromCli) return { details: fromCli, complete: true };
    }
    if (runtime !== 'podman') return { details: null, complete: false };
    const name = conmonName(await this.sources.parentArgv(pid), containerId);
    return { details: name ? { name, image: '' } : null, complete: false };
  }

  private async askPodmanCli(containerId: string): Promise<ContainerDetails | null> {
    const out = await this.sources.cli('podman', ['container', 'inspect', '--format', '{{.Name}}\t{{.ImageName}}\t{{.Pod}}', containerId]);
    const [name, image = '', podId = ''] = (out ?? '').trim().split('\t');
    if (!name) return null;
    const details: ContainerDetails = { name, image };
    if (podId) {
      details.podId = podId;
      const podName = (await this.sources.cli('podman', ['pod', 'inspect', '--format', '{{.Name}}', podId]))?.trim();
      if (podName) details.podName = podName;
    }
    return details;
  }

  private async askDockerCli(containerId: string): Promise<ContainerDetails | null> {
    const out = await this.sources.cli('docker', ['container', 'inspect', '--format', '{{.Name}}\t{{.Config.Image}}', containerId]);
    const [name, image = ''] = (out ?? '').trim().split('\t');
    return name ? { name: name.replace(/^\//, ''), image } : null;
  }
}
