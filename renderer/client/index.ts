// Picks the transport: Electron's preload bridge when present, else the web bridge.
import {
  RpcError,
  type Envelope,
  type MethodName,
  type MethodParams,
  type MethodResult,
  type NetnsClient,
  type NotificationName,
  type Notifications,
} from '../../shared/protocol';
import { connectWebSocket } from './websocket';

/** What the Electron preload exposes on window.netnsExplorer. */
export interface PreloadApi {
  call(method: string, params: unknown): Promise<Envelope<unknown>>;
  on(name: string, handler: (params: unknown) => void): () => void;
}

declare global {
  interface Window {
    netnsExplorer?: PreloadApi;
  }
}

function fromPreload(api: PreloadApi): NetnsClient {
  return {
    async call<M extends MethodName>(method: M, params: MethodParams[M]): Promise<MethodResult<M>> {
      const envelope = await api.call(method, params);
      if ('error' in envelope) throw new RpcError(envelope.error);
      return envelope.result as MethodResult<M>;
    },
    on<N extends NotificationName>(name: N, handler: (params: Notifications[N]) => void) {
      return api.on(name, handler as (params: unknown) => void);
    },
  };
}

export function createClient(): NetnsClient {
  if (window.netnsExplorer) return fromPreload(window.netnsExplorer);
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rpc?token=${encodeURIComponent(token)}`;
  const socket = connectWebSocket(url);
  return {
    call: socket.call,
    on(name, handler) {
      const off = socket.on(name, handler);
      if (name !== 'helper.status') return off;
      const offConnection = socket.onConnection(handler as (s: Notifications['helper.status']) => void);
      return () => {
        off();
        offConnection();
      };
    },
  };
}
