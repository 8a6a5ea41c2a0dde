// The browser transport against a WebSocket server this test runs on
// 127.0.0.1: calls in flight fail at once when the connection drops, the page
// hears "reconnecting", and the next call goes through once it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ErrorCode, type HelperStatus } from '../../shared/protocol';
import { connectWebSocket } from '../../renderer/client/websocket';
import { rejection } from '../support/rejection';

let server: WebSocketServer;
let port = 0;
/** How the server treats a call: answer it, or drop the connection without answering. */
let mode: 'answer' | 'drop' = 'answer';

beforeAll(async () => {
  // The renderer runs in a browser; here the ws package plays the browser's WebSocket.
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as { port: number }).port;
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const call = JSON.parse(data.toString()) as { id: number; method: string };
      if (mode === 'drop') socket.terminate();
      else socket.send(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { method: call.method } }));
    });
  });
});

afterAll(() => {
  server.close();
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
});

describe('the web transport', () => {
  it('fails calls in flight when the connection drops, says it is reconnecting, and recovers', async () => {
    const client = connectWebSocket(`ws://127.0.0.1:${port}/rpc`);
    const statuses: HelperStatus['state'][] = [];
    client.onConnection((s) => statuses.push(s.state));
    expect(await client.call('helper.info', {})).toEqual({ method: 'helper.info' });
    mode = 'drop';
    const lost = await rejection(client.call('snapshot', {}));
    expect(lost.code).toBe(ErrorCode.Unavailable);
    expect(statuses).toContain('restarting');
    mode = 'answer';
    // Queued while reconnecting, sent once the socket is open again.
    expect(await client.call('snapshot', {})).toEqual({ method: 'snapshot' });
  });
});
