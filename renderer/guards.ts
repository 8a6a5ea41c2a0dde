// Host-mode guard rails: what a change to the machine's own namespace could cost. Pure.
import type { HelperMode } from '../shared/protocol';
import type { Namespace } from '../shared/model';

export type RiskyAction = 'move' | 'delete' | 'down';

const VERB: Record<RiskyAction, string> = { move: 'moving it away', delete: 'deleting it', down: 'bringing it down' };

/** The consequence to confirm before acting on `ifname`, or null when there is nothing to fear. */
export function interfaceRisk(mode: HelperMode, ns: Namespace, ifname: string, action: RiskyAction, sshAddresses: readonly string[]): string | null {
  if (mode !== 'host' || !ns.root) return null;
  const link = ns.links.find((l) => l.ifname === ifname);
  const risks: string[] = [];
  if (ns.routes.some((r) => r.to === 'default' && r.dev === ifname)) {
    risks.push(`${ifname} carries this machine's default route: ${VERB[action]} cuts the machine off every network beyond its own subnets.`);
  }
  const ssh = link?.addresses.map((a) => a.split('/')[0]).filter((a) => a && sshAddresses.includes(a)) ?? [];
  if (ssh.length) risks.push(`Your SSH connection arrives on ${ifname} (${ssh.join(', ')}): ${VERB[action]} ends that session, and you may not get back in.`);
  return risks.length ? risks.join(' ') : null;
}

/** The consequence to confirm before deleting a namespace of the real machine, or null in the lab. */
export function namespaceRisk(mode: HelperMode, ns: Namespace): string | null {
  if (mode !== 'host') return null;
  return `${ns.name ?? 'This'} is a namespace of the real machine. Processes inside it (a container, a VPN, a service) keep running but lose its name, and any veth ends it holds go with it when they exit.`;
}
