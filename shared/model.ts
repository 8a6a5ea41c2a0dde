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
  /** The container's name and image, when its runtime's API socket answered. */
  containerName?: string;
  image?: string;
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

/** Label shown for a namespace: its name, "host" for the helper's own, or what holds it. */
export function namespaceLabel(ns: Pick<Namespace, 'name' | 'root' | 'id' | 'holders'>): string {
  if (ns.name) return displayName(ns.name);
  if (ns.root) return 'host';
  const holder = ns.holders?.[0];
  return holder ? holder.label : `netns ${ns.id}`;
}
