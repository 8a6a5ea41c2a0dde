// Where container names come from on this machine, besides the API sockets:
// conmon's argv, the podman CLI and kubelet's log directories.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { findOnPath, processEnv } from './ip';
import { parseStat } from './own-processes';
import { runtimeSockets, type NameSources } from './runtimes';

async function parentArgv(pid: number): Promise<string[]> {
  const parent = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''))?.ppid;
  if (!parent) return [];
  const cmdline = await readFile(`/proc/${parent}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
}

function podman(args: string[]): Promise<string | null> {
  const program = findOnPath('podman');
  if (!program) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(program, args, { timeout: 3000, encoding: 'utf8', env: processEnv }, (error, stdout) => resolve(error ? null : stdout));
  });
}

export function localNameSources(): NameSources {
  return {
    sockets: (runtime) => runtimeSockets(runtime),
    parentArgv,
    podman,
    kubePodDirs: () => readdir('/var/log/pods').catch(() => []),
  };
}
