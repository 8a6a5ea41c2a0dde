// Where container names come from on this machine, besides the API sockets:
// conmon's argv, the runtimes' CLIs and kubelet's log directories.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { findOnPath, processEnv } from './process-env';
import { parseStat } from './own-processes';
import { ContainerNames, runtimeSockets, type NameSources } from './runtimes';

async function parentArgv(pid: number): Promise<string[]> {
  const parent = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''))?.ppid;
  if (!parent) return [];
  const cmdline = await readFile(`/proc/${parent}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
}

function cli(name: 'podman' | 'docker', args: string[]): Promise<string | null> {
  const program = findOnPath(name);
  if (!program) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(program, args, { timeout: 3000, encoding: 'utf8', env: processEnv }, (error, stdout) => resolve(error ? null : stdout));
  });
}

export function localNameSources(): NameSources {
  return {
    sockets: (runtime) => runtimeSockets(runtime),
    parentArgv,
    cli,
    kubePodDirs: () => readdir('/var/log/pods').catch(() => []),
  };
}

/** What this machine's runtimes said about their containers, for every listing of it. */
export const localContainerNames = new ContainerNames(localNameSources());
