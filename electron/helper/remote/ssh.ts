// The connection to a remote machine: the system's OpenSSH client, one
// master per connection (ControlMaster) and every command a channel on it.
// The user's config, agent and known_hosts apply; the helper adds no crypto.
import { execa, type ResultPromise } from 'execa';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { appendFile, readFile } from 'node:fs/promises';
import { ErrorCode, RpcError, type HostKeyData } from '../../../shared/protocol';
import { destinationLabel, type SshDestination } from '../../../shared/ssh-destination';
import { remoteCommand } from './remote-command';

export interface SshOptions {
  destination: SshDestination;
  /** Passed to `ssh -F`; only ever from the helper's command line. */
  configFile: string | null;
  /** A host key fingerprint the user accepted: added to their known_hosts before connecting. */
  acceptKey: string | null;
  /** Where the control sockets go (the helper's private directory). */
  workDir: string;
}

/** Channels kept open on one connection: sshd allows 10 sessions by default (MaxSessions). */
export const CHANNELS_PER_CONNECTION = 8;
/** Beyond the soft cap, a long-running command may still take these (it cannot wait for room). */
const HARD_CHANNELS = 10;
const MAX_CONNECTIONS = 4;
const CONNECT_TIMEOUT_S = 5;
const READY_TIMEOUT_MS = 20_000;

/** The ssh client's own complaints (exit 255): the channel, not the command, failed. */
const SSH_FAILURE = /^(ssh:|mux_client|Control ?[Ss]ocket|Connection (closed|reset|refused|timed out)|kex_exchange|Host key|Received disconnect|Timeout,|channel \d+:|client_loop:)/m;

interface Connection {
  index: number;
  path: string;
  master: ResultPromise;
  alive: boolean;
  channels: number;
}

export interface ChannelOptions {
  env: Readonly<Record<string, string>>;
  /** End the remote command when the channel closes (long-running commands). */
  endWithChannel: boolean;
  /** A pseudo-terminal (`ssh -tt`), for shells. */
  tty?: boolean;
}

export interface Channel {
  /** The local argv that runs `argv` on the server. */
  argv(argv: readonly string[], options: ChannelOptions): string[];
  /** Whether a finished channel failed as a channel (exit 255 with ssh's own message). */
  dropped(exitCode: number, stderr: string): boolean;
  release(): void;
}

export type LinkState = { state: 'connected' } | { state: 'reconnecting'; message: string };

export class SshLink {
  readonly label: string;
  private sudo = false;
  private connections: Connection[] = [];
  private opening: Promise<Connection> | null = null;
  private waiting: (() => void)[] = [];
  private closing = false;
  private reconnecting = false;

  constructor(
    private readonly options: SshOptions,
    private readonly onState: (state: LinkState) => void,
  ) {
    this.label = destinationLabel(options.destination, false);
  }

  /** ssh's options and destination, in that order, for any ssh run (`--` keeps the destination from being read as an option). */
  private target(extra: string[]): string[] {
    const d = this.options.destination;
    return [...(this.options.configFile ? ['-F', this.options.configFile] : []), ...extra, ...(d.user ? ['-l', d.user] : []), ...(d.port !== null ? ['-p', String(d.port)] : []), '--', d.host];
  }

  /** First connection: the host key (accepted if the user said so), login, and root or `sudo -n`. */
  async open(): Promise<void> {
    if (this.options.acceptKey) await this.acceptKey(this.options.acceptKey);
    await this.connection();
    const id = await this.probe(['id', '-u'], false);
    if (id.stdout.trim() === '0') return;
    const sudo = await this.probe(['true'], true);
    if (sudo.exitCode === 0) {
      this.sudo = true;
      return;
    }
    const missing = sudo.exitCode === 127 || /not found/.test(sudo.stderr);
    const message = missing
      ? `${this.label} logs you in as a user other than root, and has no sudo. Log in as root with a key (root@HOST), or install sudo and let this user run ip, tc, ping, tcpdump and nsenter without a password.`
      : `sudo on ${this.label} asks for a password, and the helper never sends or stores one. Log in as root with a key (root@HOST), or let this user run sudo without a password ("USER ALL=(root) NOPASSWD: ALL" in a file under /etc/sudoers.d: the helper runs every command through env, so this is root either way).`;
    this.close();
    throw new RpcError({ code: ErrorCode.SudoNeedsPassword, message, data: { stderr: sudo.stderr.trim() } });
  }

  private async probe(argv: string[], sudo: boolean): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const channel = await this.channel();
    try {
      const line = remoteCommand(argv, { sudo, env: {}, endWithChannel: false });
      const result = await execa('ssh', this.channelArgs(channel as ConnectionChannel, line, false), { reject: false, input: '', timeout: 15_000 });
      return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? 1 };
    } finally {
      channel.release();
    }
  }

  /**
   * A channel on a master. Were the master gone, ssh would log in afresh on
   * its own: ProxyCommand=false (never used through a live master) makes it
   * fail at once instead, and the drop is handled in one place.
   */
  private channelArgs(channel: ConnectionChannel, line: string, tty: boolean): string[] {
    return this.target(['-S', channel.connection.path, '-o', 'ControlMaster=no', '-o', 'ProxyCommand=false', '-o', 'BatchMode=yes', tty ? '-tt' : '-T', '-q']).concat(line);
  }

  /** A channel for a command that finishes: waits for room (opening another connection when all are full). */
  async channel(): Promise<Channel> {
    for (;;) {
      this.assertUp();
      const free = this.connections.find((c) => c.alive && c.channels < CHANNELS_PER_CONNECTION);
      if (free) return this.lease(free);
      if (this.connections.length + (this.opening ? 1 : 0) < MAX_CONNECTIONS) {
        const opened = await this.connection();
        if (opened.channels < CHANNELS_PER_CONNECTION) return this.lease(opened);
      } else await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** A channel at once, for a long-running command; another connection opens for the next ones when this one fills up. */
  channelNow(): Channel {
    this.assertUp();
    const alive = this.connections.filter((c) => c.alive).sort((a, b) => a.channels - b.channels);
    const least = alive[0];
    if (!least) throw new RpcError({ code: ErrorCode.Unavailable, message: `Not connected to ${this.label}.`, data: { remote: this.label } });
    if (least.channels >= HARD_CHANNELS) {
      throw new RpcError({ code: ErrorCode.LimitReached, message: `Too many commands are running on ${this.label} at once; stop a ping, capture or terminal first.` });
    }
    if (least.channels + 1 >= CHANNELS_PER_CONNECTION && this.connections.length < MAX_CONNECTIONS) void this.connection().catch(() => undefined);
    return this.lease(least);
  }

  private lease(connection: Connection): Channel {
    connection.channels++;
    let released = false;
    const channel: ConnectionChannel = {
      connection,
      argv: (argv, options) => ['ssh', ...this.channelArgs(channel, remoteCommand(argv, { sudo: this.sudo, env: options.env, endWithChannel: options.endWithChannel }), options.tty === true)],
      dropped: (exitCode, stderr) => exitCode === 255 && (SSH_FAILURE.test(stderr) || !connection.alive),
      release: () => {
        if (released) return;
        released = true;
        connection.channels--;
        this.waiting.shift()?.();
      },
    };
    return channel;
  }

  private assertUp(): void {
    if (this.closing || this.reconnecting) {
      throw new RpcError({ code: ErrorCode.Unavailable, message: `The connection to ${this.label} dropped; reconnecting.`, data: { remote: this.label } });
    }
  }

  /** Opens one more connection (one at a time) and waits until its master is logged in. */
  private connection(): Promise<Connection> {
    if (!this.opening) {
      this.opening = this.startMaster().finally(() => (this.opening = null));
    }
    return this.opening;
  }

  private async startMaster(): Promise<Connection> {
    const index = this.connections.length ? Math.max(...this.connections.map((c) => c.index)) + 1 : 0;
    const path = join(this.options.workDir, `ssh-${index}`);
    // The master ends with the helper however it ends (a parent-death signal): with it go the connection and every command on the server.
    const master = execa(
      'setpriv',
      [
        '--pdeathsig',
        'TERM',
        '--',
        'ssh',
        ...this.target([
          '-M',
          '-S',
          path,
          '-N',
          '-T',
          '-o',
          'ControlPersist=no',
          '-o',
          'BatchMode=yes',
          '-o',
          'StrictHostKeyChecking=yes',
          '-o',
          `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
          // A dead link is noticed within about 6 s instead of TCP's minutes.
          '-o',
          'ServerAliveInterval=2',
          '-o',
          'ServerAliveCountMax=3',
          '-o',
          'ClearAllForwardings=yes',
          '-o',
          'PermitLocalCommand=no',
        ]),
      ],
      { reject: false, stdin: 'ignore', stdout: 'ignore' },
    );
    const connection: Connection = { index, path, master, alive: false, channels: 0 };
    let stderr = '';
    master.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let ended = false;
    void master.then(() => {
      ended = true;
      const was = connection.alive;
      connection.alive = false;
      this.connections = this.connections.filter((c) => c !== connection);
      for (const wake of this.waiting.splice(0)) wake();
      if (was && !this.closing) this.dropped(stderr.trim() || 'the connection closed');
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!ended && Date.now() < deadline) {
      const check = await execa('ssh', this.target(['-S', path, '-O', 'check']), { reject: false, input: '' });
      if (check.exitCode === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (ended || Date.now() >= deadline) {
      master.kill();
      await master;
      throw await this.failure(stderr);
    }
    connection.alive = true;
    this.connections.push(connection);
    return connection;
  }

  /** Why a master could not log in, as the error the app can act on. */
  private async failure(stderr: string): Promise<RpcError> {
    const unknown = /No (\S+) host key is known for|Host key verification failed/.exec(stderr);
    if (unknown && !/HOST IDENTIFICATION HAS CHANGED/.test(stderr)) {
      const keys = await this.scanKeys(unknown[1]?.toLowerCase() ?? null);
      const key = keys[0];
      if (key) {
        const data: HostKeyData = { fingerprint: key.fingerprint, keyType: key.keyType };
        return new RpcError({
          code: ErrorCode.UnknownHostKey,
          message: `${this.label} is not in your known hosts. Its ${key.keyType} key has the fingerprint ${key.fingerprint}: compare it with the server's before you accept it.`,
          data,
        });
      }
    }
    const message =
      stderr
        // ssh ends its lines with \r\n when it has a terminal to write on.
        .split(/\r?\n/)
        .filter((l) => l && !l.startsWith('Warning: Permanently added'))
        .join('\n') || 'ssh gave up without a message';
    return new RpcError({ code: ErrorCode.Unavailable, message: `Cannot reach ${this.label}: ${message}`, data: { remote: this.label } });
  }

  /** The host's keys as ssh would look them up (host name, port and known_hosts file from `ssh -G`), with their fingerprints. */
  private async scanKeys(keyType: string | null): Promise<{ line: string; fingerprint: string; keyType: string; knownHosts: string }[]> {
    const resolved = await execa('ssh', ['-G', ...this.target([])], { reject: false, input: '' });
    const setting = (name: string) => new RegExp(`^${name} (.*)$`, 'm').exec(String(resolved.stdout))?.[1] ?? null;
    const host = setting('hostkeyalias') ?? setting('hostname') ?? this.options.destination.host;
    const port = setting('port') ?? '22';
    const knownHosts = (setting('userknownhostsfile') ?? '~/.ssh/known_hosts').split(' ')[0]?.replace(/^~(?=\/)/, homedir()) ?? join(homedir(), '.ssh', 'known_hosts');
    const scan = await execa('ssh-keyscan', ['-T', String(CONNECT_TIMEOUT_S), '-p', port, ...(keyType ? ['-t', keyType] : []), '--', setting('hostname') ?? host], { reject: false, input: '' });
    const keys: { line: string; fingerprint: string; keyType: string; knownHosts: string }[] = [];
    for (const line of String(scan.stdout).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const [, type, blob] = line.split(' ');
      if (!type || !blob) continue;
      const printed = await execa('ssh-keygen', ['-l', '-f', '-'], { reject: false, input: `${line}\n` });
      const fields = /^\d+ (\S+) .*\((\S+)\)$/.exec(String(printed.stdout).trim());
      if (!fields) continue;
      // As ssh writes it: the alias or host, with the port in brackets when it is not 22.
      const name = port === '22' ? host : `[${host}]:${port}`;
      keys.push({ line: `${name} ${type} ${blob}`, fingerprint: fields[1] as string, keyType: fields[2] as string, knownHosts });
    }
    return keys;
  }

  /** Adds exactly the key with this fingerprint to the user's known_hosts; fails as an unknown key when the host now shows another. */
  private async acceptKey(fingerprint: string): Promise<void> {
    const keys = await this.scanKeys(null);
    const key = keys.find((k) => k.fingerprint === fingerprint);
    if (!key) {
      const shown = keys[0];
      throw new RpcError({
        code: ErrorCode.UnknownHostKey,
        message: `${this.label} no longer shows the key you accepted (${fingerprint})${shown ? `; it shows ${shown.fingerprint}` : ''}. Nothing was added to your known hosts.`,
        ...(shown ? { data: { fingerprint: shown.fingerprint, keyType: shown.keyType } } : {}),
      });
    }
    // Accepted once already (a restart with the same flag): the file stays as it is.
    const known = await readFile(key.knownHosts, 'utf8').catch(() => '');
    if (!known.split('\n').includes(key.line)) await appendFile(key.knownHosts, `${known && !known.endsWith('\n') ? '\n' : ''}${key.line}\n`, { mode: 0o600 });
  }

  /** The connection went: fail what is in flight (its channels exit), then try again until the host is back. */
  private dropped(why: string): void {
    if (this.reconnecting) return;
    this.reconnecting = true;
    for (const c of this.connections) c.master.kill();
    this.onState({ state: 'reconnecting', message: why });
    const attempt = async (delay: number) => {
      if (this.closing) return;
      try {
        // Calls keep failing at once while this tries (up to ConnectTimeout); they are not held up by it.
        await this.connection();
        this.reconnecting = false;
        this.onState({ state: 'connected' });
      } catch {
        setTimeout(() => void attempt(Math.min(delay * 2, 5_000)), delay);
      }
    };
    setTimeout(() => void attempt(500), 500);
  }

  close(): void {
    this.closing = true;
    for (const c of this.connections) c.master.kill();
    for (const wake of this.waiting.splice(0)) wake();
  }
}

interface ConnectionChannel extends Channel {
  connection: Connection;
}
