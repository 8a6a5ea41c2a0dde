// The browser transport: JSON-RPC over the web bridge's WebSocket, reconnecting
// when the connection drops (calls in flight fail at once; none hang).
import { RpcClient } from '../../shared/rpc-client';
import type { NetnsClient, HelperStatus } from '../../shared/protocol';

export interface SocketClient extends NetnsClient {
  /** Local connection events, reported as helper.status notifications. */
  onConnection(handler: (status: HelperStatus) => void): () => void;
}

export function connectWebSocket(url: string): SocketClient {
  let socket: WebSocket | null = null;
  const queue: string[] = [];
  const connectionHandlers = new Set<(status: HelperStatus) => void>();
  const rpc = new RpcClient((text) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(text);
    else if (queue.length < 100) queue.push(text);
    else throw new Error('not connected');
  });
  let retry = 0;
  const open = () => {
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retry = 0;
      for (const text of queue.splice(0)) ws.send(text);
    };
    ws.onmessage = (event) => rpc.receive(String(event.data));
    ws.onclose = (event) => {
      rpc.disconnect('the connection to the app closed');
      // The bridge says why it closed a connection it refused (too many hosts, too many connections).
      const message = event.reason ? `${event.reason}; trying again` : 'connection to the app lost; reconnecting';
      for (const handler of connectionHandlers) handler({ state: 'restarting', mode: 'lab', message });
      retry = Math.min(retry + 1, 6);
      setTimeout(open, 250 * 2 ** retry);
    };
  };
  open();
  return {
    call: (method, params) => rpc.call(method, params),
    on: (name, handler) => rpc.on(name, handler),
    onConnection(handler) {
      connectionHandlers.add(handler);
      return () => connectionHandlers.delete(handler);
    },
  };
}
