// The headless host: serves the built renderer and bridges a WebSocket to the
// helper, on 127.0.0.1 only. The one way in is /rpc with the per-run token and
// the bridge's own Origin and Host; no input, however malformed, stops it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { BRIDGE_LIMITS, type HelperMode } from '../../shared/protocol';
import type { AppMethodName } from '../../shared/schemas';
import { helperLaunch } from '../bridge/launch';
import { RemoteHelper, type SshTarget } from '../bridge/remote-helper';
import { parseDestination } from '../../shared/ssh-destination';
import { notAvailable, RpcRouter } from '../bridge/router';
import { HelperSupervisor } from '../bridge/supervisor';
import { userPort } from './port';
import { RemoteHosts } from './remote-hosts';

const OUT = fileURLToPath(new URL('../', import.meta.url));
const STATIC_ROOT = join(OUT, 'renderer');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};
const USAGE =
  'Usage: npm run web -- [--lab | --host | --ssh=[USER@]HOST[:PORT]] [--ssh-config=FILE] [--port=N]   (N: 0 picks a free port; 1–65535 that one; by default your own port, or a free one when it is busy; --ssh-config applies to every host a tab opens)';

interface Flags {
  mode: HelperMode;
  /** null: this user's own port (userPort), or any free one when that is busy. */
  port: number | null;
  /** A remote machine the first tab acts on over SSH (host mode there). */
  ssh: SshTarget | null;
  /** ssh -F for every remote host, the first and those tabs open. */
  sshConfig: string | null;
}

/** The flags, or a line saying what is wrong with them. */
export function parseFlags(argv: readonly string[]): Flags | { error: string } {
  const flags: Flags = { mode: 'lab', port: null, ssh: null, sshConfig: null };
  for (const arg of argv) {
    if (arg === '--lab' || arg === '--host') flags.mode = arg === '--lab' ? 'lab' : 'host';
    else if (arg.startsWith('--ssh=')) {
      const parsed = parseDestination(arg.slice('--ssh='.length));
      if (!parsed.ok) return { error: `--ssh: ${parsed.problem}` };
      flags.ssh = { destination: arg.slice('--ssh='.length), configFile: null };
      flags.mode = 'host';
    } else if (arg.startsWith('--ssh-config=') && arg.length > '--ssh-config='.length) flags.sshConfig = arg.slice('--ssh-config='.length);
    else if (arg.startsWith('--port=')) {
      const text = arg.slice('--port='.length);
      const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
      if (!(port >= 0 && port <= 65535)) return { error: `--port needs a whole number from 0 to 65535, not "${text}"` };
      flags.port = port;
    } else return { error: `unknown argument ${arg}` };
  }
  if (flags.ssh) flags.ssh.configFile = flags.sshConfig;
  return flags;
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Host values a browser sends for this bridge; anything else is DNS rebinding or a stray client. */
function hostsFor(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

function originsFor(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
}

/** The request's path, token and remote host, or null when its target is not a URL path at all. */
function target(request: IncomingMessage): { path: string; token: string | null; host: string | null } | null {
  const raw = request.url ?? '/';
  if (!raw.startsWith('/')) return null;
  try {
    const url = new URL(raw, 'http://127.0.0.1');
    return { path: decodeURIComponent(url.pathname), token: url.searchParams.get('token'), host: url.searchParams.get('host') };
  } catch {
    return null;
  }
}

async function serveFile(path: string, response: ServerResponse): Promise<void> {
  const safe = normalize(path).replace(/^(\.\.[/\\])+/, '');
  const file = join(STATIC_ROOT, safe === '/' ? 'index.html' : safe);
  if (!file.startsWith(STATIC_ROOT) || file.includes('\0')) {
    response.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(file);
    response.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      // What a <meta> CSP cannot say; the page carries the rest of the policy itself.
      'Content-Security-Policy': "frame-ancestors 'none'",
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    });
    response.end(body);
  } catch {
    if (!response.headersSent) response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('Not found');
  }
}

/** The app.* calls of a lab or host-mode bridge: it keeps its mode, and a page opens other hosts in tabs itself. */
function localAppCall(method: AppMethodName): Promise<never> {
  const why = method === 'app.setMode' ? 'this bridge runs in the mode it was started with (restart it with --lab or --host)' : 'this bridge acts on no remote host';
  return Promise.reject(notAvailable(method, why));
}

function refuse(response: ServerResponse, status: number, text: string): void {
  if (!response.headersSent) response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  response.end(`${text}\n`);
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2));
  if ('error' in flags) {
    process.stderr.write(`netns-explorer web: ${flags.error}\n${USAGE}\n`);
    process.exit(2);
  }
  if (flags.mode === 'host' && !flags.ssh) {
    if (process.geteuid?.() !== 0) {
      process.stderr.write("netns-explorer web: --host changes the machine's real network and needs root; run it as root or use --lab.\n");
      process.exit(4);
    }
    process.stderr.write("netns-explorer web: WARNING: host mode over the web. Anyone with the URL (token included) can change this machine's network as root.\n");
  }
  if (flags.ssh) process.stderr.write(`netns-explorer web: WARNING: anyone with the URL (token included) can change ${flags.ssh.destination}'s network as root.\n`);
  const token = randomBytes(24).toString('base64url');
  const launch = { node: process.execPath, helperScript: join(OUT, 'helper', 'helper.mjs'), env: process.env };
  // The first tab's helper: the mode the bridge was started in, or the host --ssh names.
  let first: { supervisor: HelperSupervisor; router: RpcRouter };
  const remotes = new RemoteHosts(launch, flags.sshConfig);
  if (flags.ssh) {
    const remote = new RemoteHelper(flags.ssh, launch);
    remotes.adopt(remote);
    first = remote;
  } else {
    // Host mode here was checked to run as root above, so no pkexec is ever needed.
    const supervisor = new HelperSupervisor(flags.mode, helperLaunch(flags.mode, { ...launch, uid: process.geteuid?.() ?? 0, pkexec: null, launcher: null, appImage: false }));
    first = { supervisor, router: new RpcRouter(supervisor, localAppCall) };
  }
  let hosts = new Set<string>();
  let origins = new Set<string>();

  // The page and its assets hold no secret: they are served to anyone on this machine who asks by the
  // right Host. A token in the URL that is wrong is refused, so a stale link says so at once.
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const where = target(request);
    if (!where) return refuse(response, 400, 'Bad request: not a path.');
    if (!hosts.has(request.headers.host ?? '')) return refuse(response, 421, 'Misdirected request: this bridge answers only on 127.0.0.1 and localhost.');
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 405, 'Method not allowed.');
    if (where.token !== null && !tokenMatches(token, where.token)) return refuse(response, 403, 'Forbidden: this token is not valid. Open the URL printed when the bridge started.');
    void serveFile(where.path, response).catch(() => refuse(response, 500, 'Could not read that file.'));
  };
  const server = createServer((request, response) => {
    try {
      onRequest(request, response);
    } catch {
      refuse(response, 400, 'Bad request.');
    }
  });
  // Requests Node cannot even parse: answer 400 and drop the connection, never throw.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: BRIDGE_LIMITS.maxMessageBytes });
  /** A tab's socket, to the first helper or (host=…) to a remote host's, which it then holds open. */
  const accept = (ws: WebSocket, remoteHost: string | null) => {
    // ws reports protocol errors (oversized: 1009, bad UTF-8: 1007, bad framing: 1002) here and closes the socket itself.
    ws.on('error', () => undefined);
    if (sockets.clients.size > BRIDGE_LIMITS.maxConnections) {
      ws.close(1013, `too many connections: at most ${BRIDGE_LIMITS.maxConnections}`);
      return;
    }
    const lease = remoteHost === null ? { router: first.router, release: () => undefined } : remotes.lease(remoteHost);
    if ('refused' in lease) {
      ws.close(1013, lease.refused.slice(0, 120));
      return;
    }
    const link = lease.router.attach({ send: (text) => ws.readyState === ws.OPEN && ws.send(text) });
    ws.on('message', (data, isBinary) => {
      if (isBinary) ws.close(1003, 'text frames only');
      else link.receive(data.toString());
    });
    ws.on('close', () => {
      link.detach();
      lease.release();
    });
  };
  server.on('upgrade', (request, socket, head) => {
    socket.on('error', () => undefined);
    try {
      const where = target(request);
      const allowed = where?.path === '/rpc' && hosts.has(request.headers.host ?? '') && origins.has(request.headers.origin ?? '') && tokenMatches(token, where.token);
      if (!allowed) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return;
      }
      // The page checks a host before it connects: one that fails here came from elsewhere.
      if (where.host !== null && !parseDestination(where.host).ok) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
      }
      sockets.handleUpgrade(request, socket, head, (ws) => accept(ws, where.host));
    } catch {
      socket.destroy();
    }
  });

  first.supervisor.start();
  const wanted = flags.port ?? userPort(process.getuid?.() ?? 0);
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (flags.port === null && error.code === 'EADDRINUSE') {
      // Your usual port is taken (another copy, or someone else): any free one will do, settings aside.
      process.stderr.write(`netns-explorer web: port ${wanted} is in use; using a free one (settings made there are kept per port)\n`);
      server.listen(0, '127.0.0.1');
      return;
    }
    process.stderr.write(`netns-explorer web: cannot listen on 127.0.0.1:${wanted}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}\n`);
    void Promise.all([first.supervisor.stop(), remotes.stopAll()]).then(() => process.exit(1));
  });
  server.on('listening', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : wanted;
    hosts = hostsFor(port);
    origins = originsFor(port);
    process.stdout.write(`Netns Explorer: http://127.0.0.1:${port}/?token=${token}\n`);
  });
  server.listen(wanted, '127.0.0.1');

  const shutdown = async () => {
    server.close();
    for (const client of sockets.clients) client.terminate();
    await Promise.all([first.supervisor.stop(), remotes.stopAll()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main();
