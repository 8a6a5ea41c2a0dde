// The topology model: what the helper reports and the renderer draws.

export const LINK_KINDS = ['loopback', 'veth', 'bridge', 'dummy', 'vxlan', 'macvlan', 'ipvlan', 'vlan', 'bond', 'tun', 'tap', 'wireguard', 'other'] as const;

export type LinkKind = (typeof LINK_KINDS)[number];

/** Where the other end of a veth sits. */
export interface PeerRef {
  namespaceId: string;
  ifname: string;
}

/** Settings of an impairment (all optional; at least one is set). */
export interface Impairment {
  delayMs?: number;
  jitterMs?: number;
  lossPercent?: number;
  duplicatePercent?: number;
  rateKbit?: number;
}

export interface Link {
  ifname: string;
  ifindex: number;
  kind: LinkKind;
  /** Administrative state: the UP flag. */
  up: boolean;
  /** Kernel operational state as ip reports it: UP, DOWN, LOWERLAYERDOWN, UNKNOWN… */
  operstate: string;
  mtu: number;
  mac: string;
  /** "10.1.1.1/24", "fd00::1/64"; link-local IPv6 addresses included. */
  addresses: string[];
  /** The bridge (or bond) this link is a port of, in the same namespace. */
  master: string | null;
  /** For a veth: its other end, or null when it cannot be resolved unambiguously. */
  peer: PeerRef | null;
  /** A netem or tbf root qdisc; settings are known when the app set them. */
  impairment?: { qdisc: 'netem' | 'tbf'; settings: Impairment | null };
}

export interface Route {
  /** "default" or a CIDR. */
  to: string;
  via: string | null;
  dev: string | null;
  protocol: string | null;
  scope: string | null;
}

/** A process that holds a namespace, and what its cgroup says it belongs to. */
export interface Holder {
  pid: number;
  command: string;
  runtime: 'docker' | 'podman' | 'containerd' | 'kubernetes' | 'systemd' | 'lxc' | null;
  containerId: string | null;
  podId: string | null;
  unit: string | null;
  /** The container's name and image, when its runtime told (API socket, CLI, conmon's argv). */
  containerName?: string;
  image?: string;
  /** The pod it belongs to: Podman's pod name, or "namespace/pod" for Kubernetes. */
  podName?: string;
  /** "nginx — docker 3f2a9c1e5b7d, pid 4412" */
  label: string;
}

export interface Namespace {
  /** The namespace's inode: stable for its whole life. */
  id: string;
  /**
   * Its /run/netns name, or null for an unnamed one (the helper's own in lab
   * mode). Exact: a byte that is not UTF-8 comes as the lone surrogate U+DC00+byte.
   * Show it through displayName.
   */
  name: string | null;
  /** The name is not one a call can carry (spaces, quotes, "all", control bytes…): address this namespace by namespaceId. */
  nameNeedsId?: true;
  /**
   * What every client calls it (see namespaceTitle): the pod's or container's
   * name when one is known, else its /run/netns name, else its holder.
   */
  title: string;
  /** True for the helper's own namespace ("host" in the UI). */
  root: boolean;
  links: Link[];
  routes: Route[];
  /** Set when the helper can see the namespace but not read it (e.g. another user's). */
  problem?: string;
  /** Processes in it (the first few, lowest pid first); not listed for the helper's own. */
  holders?: Holder[];
  /** How many processes it has in all. */
  holderCount?: number;
  /** Where it is bind-mounted besides /run/netns (e.g. /run/docker/netns/…). */
  mounts?: string[];
}

export interface Topology {
  namespaces: Namespace[];
}

/**
 * A name as it may be shown on a screen or a terminal: control characters
 * (newlines, escape sequences) and backslashes escaped, and bytes that were
 * not UTF-8 (carried as U+DC80–U+DCFF, see the helper's decodeName) as \xHH.
 */
export function displayName(name: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return name.replace(/[\\\u0000-\u001f\u007f-\u009f\udc80-\udcff]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\x${(code >= 0xdc80 ? code - 0xdc00 : code).toString(16).padStart(2, '0')}`;
  });
}

/** The holder that names a namespace: a pod's member before anything, then a named container, then a container. */
export function owningHolder(holders: readonly Holder[] | undefined): Holder | undefined {
  return holders?.find((h) => h.podName) ?? holders?.find((h) => h.containerName) ?? holders?.find((h) => h.containerId);
}

/**
 * A namespace's title, the same for every client and picker: "host" for the
 * helper's own; the pod's name; the container's name (even when the runtime
 * also gave it a /run/netns name such as netns-<uuid>); its /run/netns name;
 * "runtime shortid" for a container whose name is not known; else what holds it.
 */
export function namespaceTitle(ns: Pick<Namespace, 'name' | 'root' | 'id' | 'holders'>): string {
  if (ns.root) return 'host';
  const owner = owningHolder(ns.holders);
  if (owner?.podName) return displayName(owner.podName);
  if (owner?.containerName) return displayName(owner.containerName);
  if (ns.name) return displayName(ns.name);
  if (owner?.runtime && owner.containerId) return `${owner.runtime} ${displayName(owner.containerId.slice(0, 12))}`;
  const holder = ns.holders?.[0];
  return holder ? holder.label : `netns ${ns.id}`;
}

/** Label shown for a namespace: its title (computed for a namespace from an older helper that sent none). */
export function namespaceLabel(ns: Pick<Namespace, 'name' | 'root' | 'id' | 'holders'> & { title?: string }): string {
  return ns.title || namespaceTitle(ns);
}

/**
 * The lines under a card's title, most telling first: the /run/netns name
 * when the title is a container's, the runtime with its short id and the
 * image, and a pod's members.
 */
export function namespaceSubtitles(ns: Pick<Namespace, 'name' | 'root' | 'id' | 'holders'>): string[] {
  if (ns.root) return [];
  const lines: string[] = [];
  const owner = owningHolder(ns.holders);
  const title = namespaceTitle(ns);
  if (ns.name && displayName(ns.name) !== title) lines.push(`/run/netns/${displayName(ns.name)}`);
  if (owner?.podName && owner.podId) lines.push(`${owner.runtime ?? ''} pod ${displayName(owner.podId.slice(0, 12))}`.trim());
  else if (owner?.runtime && owner.containerId) {
    const id = displayName(owner.containerId.slice(0, 12));
    // ctr's ids are the names people gave: "containerd", not "containerd cweb" under the title cweb.
    const who = id === title || `${owner.runtime} ${id}` === title ? owner.runtime : `${owner.runtime} ${id}`;
    lines.push([who, owner.image ? displayName(owner.image) : ''].filter(Boolean).join(' · '));
  }
  const members = [...new Set((ns.holders ?? []).filter((h) => h.podName && h.containerName && !h.containerName.endsWith('-infra')).map((h) => displayName(h.containerName as string)))];
  if (owner?.podName && members.length) lines.push(`pod: ${members.join(', ')}`);
  return lines;
}
