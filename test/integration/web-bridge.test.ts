// The web bridge as an attacker on this machine would meet it: malformed HTTP,
// hostile WebSocket frames, borrowed tokens, floods. None of it may take the
// server down; after all of it, the article's walkthrough still works over it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_LIMITS, ErrorCode } from '../../shared/protocol';
import { RpcClient } from '../../shared/rpc-client';
import { childrenOf, ROOT } from '../support/helper';
import { startWeb, type WebApp } from '../support/web';
import { walkArticle } from '../support/article';
import { userPort } from '../../electron/web/port';

let web: WebApp;
let port: number;
let token: string;

beforeAll(async () => {
  web = await startWeb();
  const url = new URL(web.url);
  port = Number(url.port);
  token = url.searchParams.get('token') as string;
});

afterAll(async () => {
  await web?.stop();
});

/** Sends raw bytes over TCP and returns everything the server answered before it closed. */
function rawHttp(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve(answer);
    });
  });
}

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Socket {
  ws: WebSocket;
  client: RpcClient;
  messages: unknown[];
  closed: Promise<number>;
}

function openSocket(options: { origin?: string; host?: string; token?: string; remote?: string } = {}): Promise<Socket> {
  const remote = options.remote === undefined ? '' : `&host=${encodeURIComponent(options.remote)}`;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${options.token ?? token}${remote}`, {
    headers: { Origin: options.origin ?? `http://127.0.0.1:${port}`, ...(options.host ? { Host: options.host } : {}) },
  });
  const client = new RpcClient((text) => ws.send(text));
  const messages: unknown[] = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    client.receive(data.toString());
  });
  ws.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, client, messages, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
  });
}

/** A client frame built by hand: FIN + opcode, optional RSV bits, masked unless told otherwise. */
function frame(opcode: number, payload: Buffer, options: { rsv?: number; masked?: boolean } = {}): Buffer {
  const masked = options.masked ?? true;
  const head = Buffer.from([0x80 | ((options.rsv ?? 0) << 4) | opcode, (masked ? 0x80 : 0) | payload.length]);
  if (!masked) return Buffer.concat([head, payload]);
  const mask = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
  return Buffer.concat([head, mask, body]);
}

/** Writes a raw frame on an open socket and resolves with the close code the server sent. */
async function closeCodeFor(bytes: Buffer): Promise<number> {
  const s = await openSocket();
  (s.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(bytes);
  return s.closed;
}

async function alive(): Promise<void> {
  const s = await openSocket();
  const info = await s.client.call('helper.info', {});
  expect(info.mode).toBe('lab');
  s.ws.close();
  expect(web.process.exitCode).toBeNull();
}

describe('the web bridge under hostile input', () => {
  it('answers malformed request targets with 400 and stays up', async () => {
    expect(await rawHttp(`GET http://[ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawHttp(`GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawHttp('NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawHttp(`GET /rpc?token=%ZZ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    await alive();
  });

  it('never sets a cookie, and refuses a wrong token, a foreign Host or Origin', async () => {
    for (const path of ['/', `/?token=${token}`, '/index.html']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await get('/?token=not-the-token')).status).toBe(403);
    expect((await get('/', { Host: `evil.example:${port}` })).status).toBe(421);
    await expect(openSocket({ token: 'not-the-token' })).rejects.toThrow(/403/);
    await expect(openSocket({ origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(openSocket({ origin: `http://127.0.0.1:${port + 1}` })).rejects.toThrow(/403/);
    await expect(openSocket({ host: `evil.example:${port}` })).rejects.toThrow(/403/);
    // A page's cookie-less request to /rpc (the old way in) gets nothing.
    await expect(openSocket({ token: '' })).rejects.toThrow(/403/);
    const viaLocalhost = await openSocket({ origin: `http://localhost:${port}`, host: `localhost:${port}` });
    viaLocalhost.ws.close();
  });

  it('refuses a tab asking for a remote host that is no host (an option, shell words) with 400, starting nothing', async () => {
    const helpers = childrenOf(web.process.pid as number).length;
    for (const remote of ['-oProxyCommand=touch /tmp/netns-explorer-pwned', 'server;id', '$(id)', 'a b', '', '[::1']) {
      await expect(openSocket({ remote }), remote).rejects.toThrow(/400/);
    }
    // The token is checked first: without it, not even the host is looked at.
    await expect(openSocket({ token: 'not-the-token', remote: 'server' })).rejects.toThrow(/403/);
    expect(childrenOf(web.process.pid as number)).toHaveLength(helpers);
    expect(existsSync('/tmp/netns-explorer-pwned')).toBe(false);
    await alive();
  });

  it('answers JSON that is not a request with -32600, whatever its type', async () => {
    const s = await openSocket();
    for (const text of ['null', '1', '"x"', '[]', 'true', '{}', '{"jsonrpc":"2.0","id":{},"method":"snapshot"}']) {
      const before = s.messages.length;
      s.ws.send(text);
      for (let i = 0; i < 100 && s.messages.length === before; i++) await new Promise((r) => setTimeout(r, 10));
      const reply = s.messages.slice(before).find((m) => (m as { error?: unknown }).error) as { error: { code: number } } | undefined;
      expect(reply?.error.code, text).toBe(ErrorCode.InvalidRequest);
    }
    s.ws.send('{not json');
    await expect(s.client.call('helper.info', {})).resolves.toMatchObject({ mode: 'lab' });
    s.ws.close();
  });

  it('closes on WebSocket protocol errors with the code that names them, and stays up', async () => {
    expect(await closeCodeFor(frame(0x1, Buffer.from([0xc3, 0x28])))).toBe(1007); // invalid UTF-8
    expect(await closeCodeFor(frame(0x3, Buffer.from('x')))).toBe(1002); // reserved opcode
    expect(await closeCodeFor(frame(0x1, Buffer.from('{}'), { masked: false }))).toBe(1002); // unmasked client frame
    expect(await closeCodeFor(frame(0x1, Buffer.from('{}'), { rsv: 0b100 }))).toBe(1002); // RSV1 without an extension
    expect(await closeCodeFor(frame(0x1, Buffer.from('{}'), { rsv: 0b011 }))).toBe(1002);
    const big = await openSocket();
    big.ws.send('x'.repeat(BRIDGE_LIMITS.maxMessageBytes + 1));
    expect(await big.closed).toBe(1009);
    await alive();
  });

  it(`refuses a connection past ${BRIDGE_LIMITS.maxConnections} with 1013, and a call past ${BRIDGE_LIMITS.maxInFlight} in flight with -32005`, async () => {
    const open: Socket[] = [];
    for (let i = 0; i < BRIDGE_LIMITS.maxConnections; i++) open.push(await openSocket());
    const extra = await openSocket();
    expect(await extra.closed).toBe(1013);
    for (const s of open.splice(1)) s.ws.close();
    const s = open[0] as Socket;
    const calls = Array.from({ length: BRIDGE_LIMITS.maxInFlight + 6 }, () =>
      s.client.call('snapshot', {}).then(
        () => 0,
        (e: { code: number; message: string }) => e,
      ),
    );
    const outcomes = await Promise.all(calls);
    const refused = outcomes.filter((o): o is { code: number; message: string } => o !== 0);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.code === ErrorCode.LimitReached && /at most 64 per client/.test(e.message))).toBe(true);
    s.ws.close();
    await alive();
  });

  it("finishes the article's walkthrough over the same server afterwards", async () => {
    const { client, ws } = await openSocket();
    const done = new Promise<{ received: number }>((resolve) => client.on('ping.done', resolve));
    await walkArticle(client);
    await client.call('ping.start', { target: '10.1.1.1', count: 2, intervalMs: 200 });
    expect((await done).received).toBe(2);
    ws.close();
  });
});

describe('npm run web flags', () => {
  it('listens on the same port for a user every run (settings live per origin), and on a free one when that is busy', async () => {
    const mine = userPort(process.getuid?.() ?? 0);
    // Whoever holds the port first: this test, so the web app must fall back.
    const squatter = createServer();
    const held = await new Promise<boolean>((resolve) => {
      squatter.once('error', () => resolve(false));
      squatter.listen(mine, '127.0.0.1', () => resolve(true));
    });
    try {
      const web = await startWeb(['--lab']);
      try {
        expect(new URL(web.url).port).not.toBe(String(mine));
      } finally {
        await web.stop();
      }
    } finally {
      if (held) await new Promise((r) => squatter.close(r));
    }
    if (!held) return;
    const web = await startWeb(['--lab']);
    try {
      expect(new URL(web.url).port).toBe(String(mine));
    } finally {
      await web.stop();
    }
  });

  it('prints usage, not a stack trace, for a bad --port', () => {
    for (const bad of ['--port=abc', '--port=70000', '--port=-1', '--port=']) {
      const run = spawnSync(process.execPath, [`${ROOT}out/web/web.mjs`, bad], { encoding: 'utf8', timeout: 10_000 });
      expect(run.status, bad).toBe(2);
      expect(run.stderr).toMatch(/Usage: npm run web/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
