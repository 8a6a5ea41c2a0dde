// The headless host: serves the built renderer and bridges a WebSocket to the
// helper, on 127.0.0.1 only, behind a per-run token and an Origin check.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { HelperMode } from '../../shared/protocol';
import { helperLaunch } from '../bridge/launch';
import { RpcRouter } from '../bridge/router';
import { HelperSupervisor } from '../bridge/supervisor';

const OUT = fileURLToPath(new URL('../', import.meta.url));
const STATIC_ROOT = join(OUT, 'renderer');
const COOKIE = 'netns_explorer_token';
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

interface Flags {
  mode: HelperMode;
  port: number;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { mode: 'lab', port: 0 };
  for (const arg of argv) {
    if (arg === '--lab' || arg === '--host') flags.mode = arg === '--lab' ? 'lab' : 'host';
    else if (arg.startsWith('--port=')) flags.port = Number(arg.slice('--port='.length));
    else {
      process.stderr.write(`Usage: npm run web -- [--lab | --host] [--port=N]\nunknown argument ${arg}\n`);
      process.exit(2);
    }
  }
  return flags;
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(request: IncomingMessage): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === COOKIE && value) return value;
  }
  return null;
}

async function serveFile(path: string, response: ServerResponse): Promise<void> {
  const safe = normalize(path).replace(/^(\.\.[/\\])+/, '');
  const file = join(STATIC_ROOT, safe === '/' ? 'index.html' : safe);
  if (!file.startsWith(STATIC_ROOT)) {
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
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
  }
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.mode === 'host') {
    if (process.geteuid?.() !== 0) {
      process.stderr.write('netns-explorer web: --host changes the machine\'s real network and needs root; run it as root or use --lab.\n');
      process.exit(4);
    }
    process.stderr.write('netns-explorer web: WARNING: host mode over the web. Anyone with the URL (token included) can change this machine\'s network as root.\n');
  }
  const token = randomBytes(24).toString('base64url');
  const supervisor = new HelperSupervisor(
    flags.mode,
    // Host mode here was checked to run as root above, so no pkexec is ever needed.
    helperLaunch(flags.mode, { node: process.execPath, helperScript: join(OUT, 'helper', 'helper.mjs'), uid: process.geteuid?.() ?? 0, pkexec: null, launcher: null, appImage: false, env: process.env }),
  );
  const router = new RpcRouter(supervisor);
  let origin = '';

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    const fromQuery = url.searchParams.get('token');
    if (tokenMatches(token, fromQuery)) {
      response.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    } else if (!tokenMatches(token, cookieToken(request))) {
      response.writeHead(403, { 'Content-Type': 'text/plain' }).end('Forbidden: open the URL with its token, as printed at start.');
      return;
    }
    if (request.method !== 'GET') {
      response.writeHead(405).end();
      return;
    }
    void serveFile(decodeURIComponent(url.pathname), response);
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', origin);
    const allowed =
      url.pathname === '/rpc' &&
      request.headers.origin === origin &&
      (tokenMatches(token, url.searchParams.get('token')) || tokenMatches(token, cookieToken(request)));
    if (!allowed) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const link = router.attach({ send: (text) => ws.readyState === ws.OPEN && ws.send(text) });
      ws.on('message', (data) => link.receive(data.toString()));
      ws.on('close', () => link.detach());
    });
  });

  supervisor.start();
  server.listen(flags.port, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : flags.port;
    origin = `http://127.0.0.1:${port}`;
    process.stdout.write(`Netns Explorer: ${origin}/?token=${token}\n`);
  });

  const shutdown = async () => {
    server.close();
    for (const client of sockets.clients) client.terminate();
    await supervisor.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main();
