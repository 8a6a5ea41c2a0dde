// The one command line each remote process gets. sshd hands it to the
// server's shell, so every word goes through the same quoting; pure.
import { shellQuote } from '../../../shared/shell';

/** Where the helper's tools live on a server (sbin first: a login shell of an ordinary user may lack it). */
export const REMOTE_PATH = '/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin';

/**
 * Ends the command when its channel closes (a dropped connection, a stopped
 * ping or capture): without a terminal nothing tells a remote process its
 * reader left until it writes, and `ip monitor` or a quiet tcpdump may never
 * write. The command runs with stdin from /dev/null; a second job reads the
 * channel and at end of input sends SIGINT, on which ping prints its summary
 * and tcpdump flushes: the helper stops a remote command by closing its input.
 * A background job of a non-interactive shell starts with SIGINT ignored, and
 * only programs that set their own handler (ping, tcpdump) hear it: SIGTERM
 * follows a second later for the rest (ip monitor, shell loops).
 */
export const END_WITH_CHANNEL = 'exec 3<&0; "$@" </dev/null & p=$!; { cat >/dev/null; kill -INT "$p"; sleep 1; kill "$p"; } <&3 >/dev/null 2>&1 & exec 3<&-; wait "$p"';

export interface RemoteCommandOptions {
  /** Prefix `sudo -n` (the login user is not root). */
  sudo: boolean;
  /** Variables for the command (the helpers' mark, LC_ALL, a terminal's TERM). */
  env: Readonly<Record<string, string>>;
  /** End the command when the channel closes; for long-running ones. */
  endWithChannel: boolean;
}

/** The shell line that runs `argv` on the server as root with `env`. */
export function remoteCommand(argv: readonly string[], options: RemoteCommandOptions): string {
  const env = Object.entries({ PATH: REMOTE_PATH, ...options.env }).map(([k, v]) => `${k}=${v}`);
  const body = options.endWithChannel ? ['sh', '-c', END_WITH_CHANNEL, 'sh', ...argv] : argv;
  return `exec ${shellQuote([...(options.sudo ? ['sudo', '-n', '--'] : []), 'env', ...env, ...body])}`;
}
