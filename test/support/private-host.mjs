// Plays "the host" for host-mode tests. Run as root inside `unshare --net --mount`
// (a private network and mount namespace, but the machine's pid namespace, as on
// a real host): it gives this mount namespace its own /run, so /run/netns is
// private, brings lo up, then runs the given command and exits as it exits.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

execFileSync('mount', ['--make-rprivate', '/']);
execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'netns-explorer-test-run', '/run']);
mkdirSync('/run/netns');
execFileSync('ip', ['link', 'set', 'lo', 'up']);
const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 137 : 1)));
