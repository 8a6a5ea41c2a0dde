// Picks the transport: Electron's preload bridge when present, else the web bridge.
import { ErrorCode, RpcError, type Envelope, type MethodName, type MethodParams, type MethodResult, type NetnsClient, type NotificationName, type Notifications } from '../../shared/protocol';
import { pageHost, pageHostProblem } from '../page-host';
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

const TOKEN_KEY = 'netns-explorer-token';

/**
 * The web bridge's token: taken from the address once, kept for this tab only
 * (sessionStorage, so a reload works) and removed from the address bar, so it
 * is never in a cookie, the history or a bookmark.
 */
export function bridgeToken(): string {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** The address of a tab showing a remote host: this page, with the host and this tab's token (which it takes out of its address bar). */
export function hostTabUrl(destination: string): string {
  return `${location.pathname}?host=${encodeURIComponent(destination)}&token=${encodeURIComponent(bridgeToken())}`;
}

/** Why this page cannot reach a helper at all (no token, a host that is none), or null when it can. */
export function pageRefusal(): string | null {
  if (window.netnsExplorer) return null;
  if (!bridgeToken()) return NO_TOKEN_MESSAGE;
  const problem = pageHostProblem();
  return problem ? `This page's address names no host to connect to (${problem}). Open hosts with Connect to host… instead.` : null;
}

export function createClient(): NetnsClient {
  if (window.netnsExplorer) return fromPreload(window.netnsExplorer);
  const refusal = pageRefusal();
  if (refusal) return refused(refusal);
  const token = bridgeToken();
  const host = pageHost();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rpc?token=${encodeURIComponent(token)}${host === null ? '' : `&host=${encodeURIComponent(host)}`}`;
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

/** What a page opened without the bridge's token says. */
export const NO_TOKEN_MESSAGE = 'This page has no access token. Open the address that npm run web printed when it started (it ends in ?token=…).';

/** A page that cannot reach a helper (no token, a host that is none): says why, and calls nothing. */
function refused(message: string): NetnsClient {
  return {
    call: () => Promise.reject(new RpcError({ code: ErrorCode.Unavailable, message })),
    on(name, handler) {
      if (name === 'helper.status') queueMicrotask(() => (handler as (s: Notifications['helper.status']) => void)({ state: 'failed', mode: 'lab', message }));
      return () => undefined;
    },
  };
}
