// Probes of the running kernel, so a test checks the branch this kernel takes:
// a feature that works where it exists, the clear error where it does not.
import { spawnSync } from 'node:child_process';

const cache = new Map<string, boolean>();

/** Whether this kernel has the `kind` qdisc (netem, tbf…), tried on lo in a throwaway network namespace. */
export function hasQdisc(kind: string, args: string[] = []): boolean {
  const known = cache.get(kind);
  if (known !== undefined) return known;
  const probe = spawnSync('unshare', ['--user', '--map-root-user', '--net', '--', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', kind, ...args], { stdio: 'ignore', timeout: 10_000 });
  const present = probe.status === 0;
  cache.set(kind, present);
  return present;
}

export const hasNetem = () => hasQdisc('netem', ['delay', '1ms']);
