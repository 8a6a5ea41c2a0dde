// A server to reach over SSH, made of private namespaces only: sshd runs as
// root in a network and mount namespace that plays the host (its own /run and
// /run/netns, test/support/private-host.mjs), and the client side is another
// network namespace cabled to it by a veth. Keys, users and sudoers are the
// test's own files, bind-mounted over /etc inside the server's mount namespace.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRIVATE_HOST, argvOf, childrenOf, descendantsOf, until } from './helper';

export const SERVER_ADDRESS = '10.251.7.1';
const CLIENT_ADDRESS = '10.251.7.2';
/** A login user other than root, for the sudo cases. */
export const TESTER = 'nx-tester';

export interface SshServer {
  dir: string;
  /** The client's ssh config: alias "server" (root) and "tester", the user key, the test's known_hosts. */
  configFile: string;
  knownHosts: string;
  /** The host key's fingerprint, as ssh-keygen -l prints it. */
  fingerprint: string;
  /** A process in the client's network namespace (where the helper, the web bridge and the browser run). */
  clientPid: number;
  /** argv prefix that runs a command in the client's network namespace (where the helper runs). */
  clientWrap: string[];
  /** argv prefix that runs a command on the server as root, in its network and mount namespaces (a local helper there, for comparison). */
  hostWrap: string[];
  /** Runs a command on the server, as root in its namespaces; returns stdout. */
  exec(argv: string[]): string;
  /** Kills every SSH connection's sshd processes (the network dropped); the listener stays, so the host is back at once. */
  dropConnections(): void;
  /** Processes the helper started on the server (they carry its mark) whose command line contains `text`. */
  processes(text: string): number[];
  stop(): void;
}

function keygen(path: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'netns-explorer-test', '-f', path]);
}

export interface SshServerOptions {
  /** 'password' asks the tester for one; 'nopasswd' lets them run anything as root. */
  sudo?: 'password' | 'nopasswd';
  /** A process whose network, mount and pid namespaces play the server (a runtime sandbox); by default, new ones. */
  inside?: number;
}

export async function startSshServer(options: SshServerOptions = {}): Promise<SshServer> {
  const dir = mkdtempSync(join(tmpdir(), 'netns-explorer-ssh-'));
  chmodSync(dir, 0o755);
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'user_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')));
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'host_key.pub')], { encoding: 'utf8' }).split(' ')[1] as string;
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${SERVER_ADDRESS} ${readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'PidFile none',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'MaxSessions 10',
      '',
    ].join('\n'),
  );
  const configFile = join(dir, 'ssh_config');
  const common = [
    `  HostName ${SERVER_ADDRESS}`,
    `  IdentityFile ${dir}/user_key`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
  ];
  writeFileSync(configFile, ['Host server', '  User root', ...common, 'Host tester', `  User ${TESTER}`, ...common, ''].join('\n'));
  // The tester exists only in the server's mount namespace: a passwd, group and sudoers of its own.
  // Root's home is the test's folder too: bash sources ~/.bashrc for every command sshd runs, and this machine's own would be timed.
  const passwd = readFileSync('/etc/passwd', 'utf8').replace(/^root:([^:]*):0:0:([^:]*):[^:]*:/m, `root:$1:0:0:$2:${dir}:`);
  writeFileSync(join(dir, 'passwd'), `${passwd}${TESTER}:x:4242:4242::${dir}:/bin/sh\n`);
  writeFileSync(join(dir, 'group'), `${readFileSync('/etc/group', 'utf8')}${TESTER}:x:4242:\n`);
  writeFileSync(join(dir, 'sudoers'), `root ALL=(ALL:ALL) ALL\n${TESTER} ALL=(ALL:ALL) ${options.sudo === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL\n`);
  chmodSync(join(dir, 'sudoers'), 0o440);
  const binds = ['passwd', 'group', 'sudoers'].map((f) => `mount --bind ${dir}/${f} /etc/${f}`).join(' && ');
  const serve = `mkdir -p /run/sshd && ${binds} && exec /usr/sbin/sshd -D -e -f ${dir}/sshd_config`;
  // A pid namespace of its own too, as a real server has: it sees its processes, not this machine's.
  const [unshare, ...hostArgs] = PRIVATE_HOST;
  const args = [...hostArgs.slice(0, hostArgs.indexOf('--')), '--pid', '--fork', '--mount-proc', ...hostArgs.slice(hostArgs.indexOf('--')), 'sh', '-c', serve];
  const inside = options.inside;
  const server: ChildProcess =
    inside === undefined
      ? spawn(unshare as string, args, { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('nsenter', ['-t', String(inside), '-n', '-m', '-p', '--', 'sh', '-c', serve], { stdio: ['ignore', 'ignore', 'pipe'] });
  let serverLog = '';
  server.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
  const holder = spawn('unshare', ['--net', '--', 'sleep', 'infinity'], { stdio: 'ignore' });
  const holderPid = holder.pid as number;
  await until('the namespaces', () => serverLog.includes('Server listening') && readFileSync(`/proc/${holderPid}/cmdline`, 'utf8').startsWith('sleep'));
  // The server's pid 1 (private-host.mjs, unshare's child): its namespaces, its pid numbering are the server's.
  const serverPid = inside ?? (childrenOf(server.pid as number)[0] as number);
  const enter = ['nsenter', '-t', String(serverPid), '-n', '-m', '-p', '--'];
  const onServer = (argv: string[]) => execFileSync(enter[0] as string, [...enter.slice(1), ...argv], { encoding: 'utf8' });
  // Made from the client's side, whose /proc numbers the server's pid 1 as this machine does.
  execFileSync('nsenter', ['-t', String(holderPid), '-n', '--', 'ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'uplink', 'netns', String(serverPid)]);
  onServer(['ip', 'addr', 'add', `${SERVER_ADDRESS}/30`, 'dev', 'uplink']);
  onServer(['ip', 'link', 'set', 'uplink', 'up']);
  const onClient = (argv: string[]) => execFileSync('nsenter', ['-t', String(holderPid), '-n', '--', ...argv]);
  onClient(['ip', 'link', 'set', 'lo', 'up']);
  onClient(['ip', 'addr', 'add', `${CLIENT_ADDRESS}/30`, 'dev', 'eth0']);
  onClient(['ip', 'link', 'set', 'eth0', 'up']);
  // The listener comes first among the server's processes; its children are the connections.
  const sshdPid = () => [server.pid as number, ...descendantsOf(server.pid as number)].find((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('sshd'));
  return {
    dir,
    configFile,
    knownHosts,
    fingerprint,
    clientPid: holderPid,
    hostWrap: enter,
    clientWrap: ['nsenter', '-t', String(holderPid), '-n', '--'],
    exec: onServer,
    dropConnections() {
      const listener = sshdPid();
      for (const pid of listener ? childrenOf(listener) : []) process.kill(pid, 'SIGKILL');
    },
    processes(text) {
      // Orphans leave the server's process tree, not its pid namespace; there, the helpers' mark and the text find them
      // (other tests' helpers run their own shells and readers on this machine at the same time).
      const serverPids = readlinkSync(`/proc/${serverPid}/ns/pid`);
      return readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((pid) => {
          const argv = argvOf(pid);
          if (!argv.length || argv[0] === 'ssh' || !argv.join(' ').includes(text)) return false;
          try {
            if (readlinkSync(`/proc/${pid}/ns/pid`) !== serverPids) return false;
            return readFileSync(`/proc/${pid}/environ`, 'utf8')
              .split('\0')
              .some((e) => e.startsWith('NETNS_EXPLORER_HELPER='));
          } catch {
            return false;
          }
        })
        .map(Number);
    },
    stop() {
      // Ending the server's pid 1 ends every process in its pid namespace; in a sandbox, sshd and its sessions end, and the sandbox stays its owner's.
      if (inside === undefined) process.kill(serverPid, 'SIGKILL');
      else for (const pid of [...descendantsOf(server.pid as number), server.pid as number]) process.kill(pid, 'SIGKILL');
      server.kill('SIGKILL');
      holder.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
