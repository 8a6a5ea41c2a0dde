// JSON-RPC 2.0 client logic shared by every transport (stdio in tests, a
// WebSocket in the browser): request ids, pending calls, notification fan-out.
import { ErrorCode, RpcError, type MethodName, type MethodParams, type MethodResult, type NetnsClient, type NotificationName, type Notifications, type RpcErrorBody } from './protocol';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: RpcError) => void;
}

type Handler = (params: never) => void;

export class RpcClient implements NetnsClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, Set<Handler>>();

  /** `send` delivers one JSON text to the helper; it throws when it cannot. */
  constructor(private readonly send: (text: string) => void) {}

  call<M extends MethodName>(method: M, params: MethodParams[M]): Promise<MethodResult<M>> {
    const id = this.nextId++;
    return new Promise<MethodResult<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      } catch (error) {
        this.pending.delete(id);
        reject(unavailable(error instanceof Error ? error.message : String(error)));
      }
    });
  }

  on<N extends NotificationName>(name: N, handler: (params: Notifications[N]) => void): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(handler as Handler);
    return () => set.delete(handler as Handler);
  }

  /** Feeds one message received from the helper. */
  receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const m = message as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: RpcErrorBody };
    if (typeof m.method === 'string' && m.id === undefined) {
      for (const handler of this.handlers.get(m.method) ?? []) {
        try {
          (handler as (p: unknown) => void)(m.params);
        } catch (error) {
          console.error(`handler for ${m.method} failed`, error);
        }
      }
      return;
    }
    if (typeof m.id !== 'number') return;
    const pending = this.pending.get(m.id);
    if (!pending) return;
    this.pending.delete(m.id);
    if (m.error) pending.reject(new RpcError(m.error));
    else pending.resolve(m.result);
  }

  /** Fails every call in flight: the connection is gone. */
  disconnect(reason: string): void {
    const error = unavailable(reason);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

function unavailable(reason: string): RpcError {
  return new RpcError({ code: ErrorCode.Unavailable, message: `The helper is not reachable: ${reason}` });
}
