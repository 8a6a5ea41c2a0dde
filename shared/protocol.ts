// The JSON-RPC contract between the helper and every client. Parameter shapes
// live in schemas.ts; this file names results, notifications and errors.
import type { Namespace, Topology } from './model';

export type { Impairment } from './model';
import type { MethodName, MethodParams } from './schemas';

export type { MethodName, MethodParams } from './schemas';

export type HelperMode = 'lab' | 'host';

export interface HelperInfo {
  mode: HelperMode;
  version: string;
  /** The helper's pid as /proc shows it to the helper (in lab mode, the lab's numbering; in host mode, the machine's). */
  pid: number;
  /** ip's own version line, e.g. "ip utility, iproute2-6.1.0". */
  iproute2: string;
  /** A folder where saved files (captures) can go by default. */
  saveDir: string;
  /** Wireshark's path when it is installed and may be started from here (not as root). */
  wireshark: string | null;
  /** In host mode, the SSH sessions this machine is reached by right now (sshd's established connections). */
  sshSessions: { local: string; remote: string }[];
  /** "[USER@]HOST" when the helper acts on a remote machine over SSH (mode is then "host"); absent for this machine. */
  remote?: string;
}

/** The helper's own costs, for benchmarks and tests. */
export interface HelperStats {
  /** Processes started since the helper began (ip, ping…). */
  processesStarted: number;
  rssBytes: number;
  maxRssBytes: number;
  /** Duration of the last full snapshot. */
  lastFullSnapshotMs: number;
}

export interface MoveResult {
  /** The interface's name in its new namespace. */
  ifname: string;
  /** Addresses the interface had before the move; the kernel drops them all. */
  droppedAddresses: string[];
  /** Whether it was administratively up before; a moved interface arrives down. */
  wasUp: boolean;
}

export interface MethodResults {
  'helper.info': HelperInfo;
  'helper.stats': HelperStats;
  snapshot: Topology;
  'netns.create': Namespace;
  /** removedPeers: veth ends elsewhere that really went with it; stillHeldBy: processes that keep it alive (its name went, nothing else). */
  'netns.delete': { removedPeers: string[]; stillHeldBy: string[] };
  'netns.spawn': { pid: number; namespaceId: string };
  'netns.attach': Record<string, never>;
  'veth.create': Record<string, never>;
  'link.move': MoveResult;
  'link.set': Record<string, never>;
  'link.delete': Record<string, never>;
  'addr.add': Record<string, never>;
  'addr.del': Record<string, never>;
  'bridge.create': Record<string, never>;
  'link.setMaster': Record<string, never>;
  'route.add': Record<string, never>;
  'route.del': Record<string, never>;
  'ping.start': { pingId: string };
  'ping.stop': Record<string, never>;
  'capture.start': { captureId: string };
  'capture.stop': Record<string, never>;
  'capture.save': { path: string };
  'capture.wireshark': Record<string, never>;
  'netem.set': Record<string, never>;
  'netem.clear': Record<string, never>;
  'terminal.open': { terminalId: string };
  'terminal.write': Record<string, never>;
  'terminal.resize': Record<string, never>;
  'terminal.close': Record<string, never>;
  'path.explain': PathExplanation;
  'sysctl.set': Record<string, never>;
  'app.setMode': { mode: HelperMode };
  'app.acceptHostKey': Record<string, never>;
  'app.openHost': Record<string, never>;
}

/** What path.explain can name as the first thing that stops a packet. */
export const PROBLEM_CODES = [
  'link-down',
  'no-carrier',
  'no-address',
  'no-route',
  'gateway-unreachable',
  'forwarding-disabled',
  'bridge-port-missing',
  'bridge-down',
  'loopback-down',
  'no-return-route',
  'address-conflict',
  'reverse-path-filter',
  'firewall',
  'unknown',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** One namespace on the forward path. */
export interface PathHop {
  namespaceId: string;
  /** Its /run/netns name; null for the helper's own and for unnamed ones. */
  namespace: string | null;
  /** Where the packet leaves (source, router), is bridged (bridge: the bridge) or arrives (destination). */
  ifname: string | null;
  role: 'source' | 'bridge' | 'router' | 'destination';
  /** The gateway it is sent to from here, when it is not sent straight to the target. */
  via: string | null;
  note: string | null;
}

/** A repair as a protocol call: what Fix it runs. */
export interface PathAction {
  method: MethodName;
  params: Record<string, unknown>;
}

export interface PathProblem {
  namespaceId: string;
  namespace: string | null;
  ifname: string | null;
  code: ProblemCode;
  message: string;
  /** Shell lines that repair it, run as root in the (lab's) host shell. */
  fix: string[];
  /** The same repair as calls; empty when there is no call for it (a firewall rule). */
  actions: PathAction[];
}

/** One thing path.explain looked at, in the order it looked. */
export interface PathCheck {
  ok: boolean;
  namespaceId: string;
  text: string;
}

export interface PathExplanation {
  reachable: boolean;
  hops: PathHop[];
  problem: PathProblem | null;
  probe: { transmitted: number; received: number } | null;
  /** The route leaves this machine (a NIC, a tunnel, a veth whose far end is elsewhere): nothing beyond is judged. */
  leavesMachine: boolean;
  note: string | null;
  /** The reasoning, for the inspector's list of ✓ and ✗. */
  checks: PathCheck[];
}

export type MethodResult<M extends MethodName> = MethodResults[M];

export interface CommandEvent {
  /** Sequence number, unique for the helper's life. */
  id: number;
  argv: string[];
  /** Namespace the command ran in; null for the helper's own. */
  namespace: string | null;
  exitCode: number;
  stderr: string;
  durationMs: number;
}

export interface PingReply {
  pingId: string;
  seq: number;
  ttl: number;
  timeMs: number;
  from: string;
}

export interface PingMessage {
  pingId: string;
  /** A line ping printed that is not a reply, e.g. "Destination Host Unreachable". */
  text: string;
}

export interface PingDone {
  pingId: string;
  transmitted: number;
  received: number;
  lossPercent: number;
  exitCode: number;
  rtt: { min: number; avg: number; max: number } | null;
}

export interface CapturePacket {
  captureId: string;
  /** Seconds since the epoch, as tcpdump -tt prints it. */
  time: number;
  /** Addresses, with ":port" for TCP and UDP. */
  src: string;
  dst: string;
  protocol: string;
  /** Frame length on the wire (tcpdump -e), else the last length tcpdump named. */
  length: number;
  summary: string;
}

export interface CaptureDone {
  captureId: string;
  packets: number;
  /** "stopped", "packet limit reached", "the interface disappeared", or tcpdump's last words. */
  reason: string;
}

/** Namespaces whose content changed (added or replaced whole) and ids of those gone. */
export interface TopologyChange {
  namespaces: Namespace[];
  removed: string[];
}

/** Sent by the host process (Electron main or the web bridge), not the helper. */
export interface HelperStatus {
  state: 'starting' | 'ready' | 'restarting' | 'failed';
  mode: HelperMode;
  /** Why, for restarting and failed: the helper's last words on stderr. */
  message?: string;
}

/** A menu command from the desktop shell, for the renderer to carry out (Electron only). */
export interface AppAction {
  action: 'new-netns' | 'new-veth' | 'new-bridge' | 'refresh' | 'fit' | 'switch-mode' | 'connect-host' | 'open-lesson' | 'open-topology' | 'save-topology' | 'export-png' | 'export-svg';
}

export interface Notifications {
  command: CommandEvent;
  'app.action': AppAction;
  'helper.status': HelperStatus;
  'helper.connection': HelperConnection;
  'ping.reply': PingReply;
  'ping.message': PingMessage;
  'ping.done': PingDone;
  'capture.packet': CapturePacket;
  'capture.done': CaptureDone;
  /** Output of a terminal's shell, as it comes (UTF-8, escape sequences and all). */
  'terminal.data': { terminalId: string; data: string };
  'terminal.exit': { terminalId: string; exitCode: number };
  topology: TopologyChange;
}

export type NotificationName = keyof Notifications;

export const NOTIFICATION_NAMES: readonly NotificationName[] = [
  'command',
  'app.action',
  'helper.status',
  'helper.connection',
  'ping.reply',
  'ping.message',
  'ping.done',
  'capture.packet',
  'capture.done',
  'terminal.data',
  'terminal.exit',
  'topology',
];

export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  /** A command exited non-zero; message is its stderr. */
  CommandFailed: -32000,
  /** The running kernel lacks the feature (e.g. dummy interfaces). */
  NotSupported: -32001,
  /** A namespace, interface or ping id does not exist. */
  NotFound: -32002,
  /** The helper is not running (restarting, or the connection dropped). */
  Unavailable: -32003,
  /** Host mode: the call could cut the machine off (or break what holds a namespace); repeat it with confirmRisk: true. */
  RiskRefused: -32004,
  /** A bridge's cap was reached (calls in flight per client); the message names the cap. */
  LimitReached: -32005,
  /** Remote host: its SSH host key is not in the user's known hosts; data is HostKeyData. Accept by restarting the helper with --ssh-accept-key=FINGERPRINT. */
  UnknownHostKey: -32006,
  /** Remote host: the login user is not root and sudo asks for a password (or there is no sudo); the message says what to allow. */
  SudoNeedsPassword: -32007,
} as const;

/** data of an UnknownHostKey (-32006) error: what the user compares before accepting. */
export interface HostKeyData {
  /** As ssh-keygen -l prints it, e.g. "SHA256:0/m58CsF…". */
  fingerprint: string;
  /** e.g. "ED25519". */
  keyType: string;
}

/** A remote helper's connection (helper.connection): calls fail with -32003 while it reconnects. */
export interface HelperConnection {
  state: 'connected' | 'reconnecting';
  /** "[USER@]HOST". */
  remote: string;
  /** Why it dropped, for reconnecting. */
  message?: string;
}

/** data of a RiskRefused (-32004) error. */
export interface RiskErrorData {
  /** What the call would cost, in words (the same text as the message). */
  risk: string;
  /** The question a confirmation asks, when the risk is not the machine's reach (e.g. deleting a container's namespace name). */
  title?: string;
}

/** The web bridge's caps, the same for every client. */
export const BRIDGE_LIMITS = {
  /** Largest WebSocket message, in bytes (close 1009 beyond). */
  maxMessageBytes: 1 << 20,
  /** Open WebSocket connections at once (close 1013 beyond). */
  maxConnections: 32,
  /** Calls in flight per client (JSON-RPC -32005 beyond). */
  maxInFlight: 64,
  /** Remote hosts open at once, one helper each (close 1013 beyond). */
  maxRemoteHosts: 8,
  /** How long a remote host's helper outlives its last client: a reload must not cost a new connection. */
  remoteIdleMs: 30_000,
} as const;

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

/** The -32602 error for parameters that failed validation, naming every offending field. */
export function invalidParams(issues: readonly { field: string; message: string }[]): RpcErrorBody {
  return {
    code: ErrorCode.InvalidParams,
    message: `Invalid params: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    data: { field: issues[0]?.field, issues },
  };
}

/** Extra detail of a CommandFailed or NotSupported error. */
export interface CommandErrorData {
  argv: string[];
  namespace: string | null;
  exitCode: number;
  stderr: string;
}

export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(body: RpcErrorBody) {
    super(body.message);
    this.name = 'RpcError';
    this.code = body.code;
    this.data = body.data;
  }
  toJSON(): RpcErrorBody {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

/** The result-or-error envelope that crosses process and context boundaries. */
export type Envelope<T> = { result: T } | { error: RpcErrorBody };

/** The one interface the renderer (and tests) use to talk to the helper. */
export interface NetnsClient {
  call<M extends MethodName>(method: M, params: MethodParams[M]): Promise<MethodResult<M>>;
  /** Subscribes to a notification; returns the function that unsubscribes. */
  on<N extends NotificationName>(name: N, handler: (params: Notifications[N]) => void): () => void;
}
