// Where a remote machine's container names come from: its runtimes' CLIs,
// conmon's argv and kubelet's log directories, each read there through the
// runner. Its API sockets are the server's own, so none is asked here.
import type { IpRunner } from '../ip';
import type { NameSources } from '../runtimes';

export function remoteNameSources(ip: IpRunner, parentOf: (pid: number) => number | null): NameSources {
  /** A command's stdout there; null when it is missing, fails or the connection dropped. */
  const output = async (program: string, args: string[]): Promise<string | null> => {
    try {
      const result = await ip.run(program, args, { namespace: null, log: false });
      return result.exitCode === 0 ? result.stdout : null;
    } catch {
      return null;
    }
  };
  return {
    sockets: () => [],
    cli: (program, args) => output(program, args),
    async parentArgv(pid) {
      const parent = parentOf(pid);
      const cmdline = parent ? await output('cat', [`/proc/${parent}/cmdline`]) : null;
      return cmdline ? cmdline.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1) : [];
    },
    async kubePodDirs() {
      return ((await output('find', ['/var/log/pods', '-mindepth', '1', '-maxdepth', '1', '-printf', '%f\\0'])) ?? '').split('\0').filter(Boolean);
    },
  };
}
