// The environment every process of the helper's gets, and where its programs
// are found. Apart from ip.ts so that whoever builds a lab (the helper's own
// starter, or the app's supervisor) needs nothing else of the helper.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { HELPER_MARK } from './own-processes';

/** ip and friends live in sbin, which an ordinary user's PATH may lack. */
const SBIN_PATH = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The environment for a process of the helper's, from `base`: marked as the helper's (see own-processes.ts), in the C locale, with sbin on the PATH. */
export function helperProcessEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...base,
    [HELPER_MARK]: '1',
    LC_ALL: 'C',
    PATH: [...(base.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':'), ...SBIN_PATH].join(':'),
  };
}

export const processEnv = helperProcessEnv(process.env);

/** An executable `name` on the PATH the helper's processes get, or null. */
export function findOnPath(name: string, path = processEnv.PATH ?? ''): string | null {
  for (const dir of path.split(':')) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not here.
    }
  }
  return null;
}
