// Who holds a network namespace: its processes, and the container or service
// their cgroup names. Pure parsing of /proc text.

export type Runtime = 'docker' | 'podman' | 'containerd' | 'kubernetes' | 'systemd' | 'lxc';

export interface CgroupIdentity {
  runtime: Runtime | null;
  containerId: string | null;
  podId: string | null;
  /** The systemd unit, for services (and for scopes of containers). */
  unit: string | null;
}

const ID = '([0-9a-f]{12,64})';

/** Reads /proc/PID/cgroup (v1 or v2) into the container or service it describes. */
export function parseCgroup(text: string): CgroupIdentity {
  const paths = text
    .split('\n')
    .map((line) => line.split(':').slice(2).join(':'))
    .filter((p) => p && p !== '/');
  const none: CgroupIdentity = { runtime: null, containerId: null, podId: null, unit: null };
  for (const path of paths) {
    if (path.includes('kubepods')) {
      const pod = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/.exec(path)?.[1]?.replaceAll('_', '-') ?? null;
      const container = new RegExp(`(?:cri-containerd-|crio-|docker-)?${ID}(?:\\.scope)?$`).exec(path)?.[1] ?? null;
      return { runtime: 'kubernetes', containerId: container, podId: pod, unit: null };
    }
    const libpod = new RegExp(`libpod-(?:conmon-)?${ID}`).exec(path);
    if (libpod) {
      // A pod's members sit in the pod's cgroup: machine-libpod_pod_ID.slice (systemd) or libpod_parent/ID (cgroupfs).
      const pod = new RegExp(`libpod_pod_${ID}\\.slice|libpod_parent/${ID}/`).exec(path);
      return { runtime: 'podman', containerId: libpod[1] as string, podId: pod?.[1] ?? pod?.[2] ?? null, unit: null };
    }
    const docker = new RegExp(`(?:/docker/|docker-)${ID}`).exec(path);
    if (docker) return { runtime: 'docker', containerId: docker[1] as string, podId: null, unit: null };
    const lxc = /\/lxc(?:\.payload)?[./]([^/]+)/.exec(path);
    if (lxc) return { runtime: 'lxc', containerId: lxc[1] as string, podId: null, unit: null };
  }
  for (const path of paths) {
    // containerd without Kubernetes puts tasks under /<namespace>/<id> (ctr, nerdctl).
    const ctr = /^\/(default|moby|k8s\.io|nerdctl)\/([^/]+)$/.exec(path);
    if (ctr) return { runtime: 'containerd', containerId: ctr[2] as string, podId: null, unit: null };
    const unit = /\/([^/]+\.service)(?:\/|$)/.exec(path);
    if (unit && !path.includes('/user@')) return { ...none, runtime: 'systemd', unit: unit[1] as string };
  }
  return none;
}

export interface NsfsMount {
  /** The namespace's inode. */
  id: string;
  mountPoint: string;
}

/** Network namespaces bind-mounted somewhere (docker's /run/docker/netns, CNI's /run/netns…), from /proc/PID/mountinfo. */
export function parseNsfsMounts(mountinfo: string): NsfsMount[] {
  const mounts: NsfsMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after?.startsWith('nsfs ')) continue;
    const fields = before.split(' ');
    const root = /^net:\[(\d+)\]$/.exec(fields[3] ?? '');
    const mountPoint = fields[4];
    if (root && mountPoint) mounts.push({ id: root[1] as string, mountPoint: mountPoint.replace(/\\040/g, ' ') });
  }
  return mounts;
}

/** A short label for the holder of a namespace: "nginx — docker 3f2a9c1e5b7d, pid 4412". */
export function holderLabel(command: string, pid: number, identity: CgroupIdentity): string {
  const who = identity.runtime === 'systemd' ? identity.unit : identity.runtime ? `${identity.runtime}${identity.containerId ? ` ${identity.containerId.slice(0, 12)}` : ''}` : null;
  return who ? `${command} — ${who}, pid ${pid}` : `${command}, pid ${pid}`;
}
