// Lets several clients share one helper: forwards only the protocol's methods,
// gives each request a helper-side id and routes the reply back, fans
// notifications out, and fails calls in flight when the helper goes away.
import { BRIDGE_LIMITS, ErrorCode, invalidParams, RpcError, type HelperStatus, type RpcErrorBody } from '../../shared/protocol';
import { checkParams, isAppMethodName, isMethodName, type AppMethodName, type ValidParams } from '../../shared/schemas';
import type { HelperSupervisor } from './supervisor';

export interface RouterClient {
  send(text: string): void;
}

interface Pending {
  client: RouterClient;
  id: string | number;
}

export class RpcRouter {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly clients = new Set<RouterClient>();
  private lastStatus = '';
  /** A remote helper's last helper.connection, for clients that attach after it was sent. */
  private lastConnection: string | null = null;

  constructor(
    private readonly helper: HelperSupervisor,
    /** app.* calls this host answers itself (validated here first); without, they are refused. */
    private readonly appCalls: ((method: AppMethodName, params: ValidParams[AppMethodName]) => Promise<unknown>) | null = null,
  ) {
    helper.on('message', (text) => this.fromHelper(text));
    helper.on('status', (status) => this.onStatus(status));
  }

  attach(client: RouterClient): { receive(text: string): void; detach(): void } {
    this.clients.add(client);
    this.lastStatus = JSON.stringify(this.helper.status);
    client.send(notification('helper.status', this.helper.status));
    if (this.lastConnection && this.helper.status.state === 'ready') client.send(this.lastConnection);
    return {
      receive: (text) => this.fromClient(client, text),
      detach: () => {
        this.clients.delete(client);
        for (const [id, p] of this.pending) if (p.client === client) this.pending.delete(id);
      },
    };
  }

  /** Handles one message from a client; whatever it holds, it never throws. */
  private fromClient(client: RouterClient, text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      client.send(reply(null, { code: ErrorCode.ParseError, message: 'Parse error: not valid JSON' }));
      return;
    }
    const message = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    const id = message && (typeof message.id === 'number' || typeof message.id === 'string') ? message.id : null;
    if (!message || message.jsonrpc !== '2.0' || id === null) {
      client.send(reply(id, { code: ErrorCode.InvalidRequest, message: 'Invalid request: needs a JSON object with jsonrpc "2.0", a method and an id' }));
      return;
    }
    if (!isMethodName(message.method)) {
      client.send(reply(id, { code: ErrorCode.MethodNotFound, message: `Method not found: ${String(message.method).slice(0, 100)}` }));
      return;
    }
    if (isAppMethodName(message.method) && this.appCalls) {
      const checked = checkParams(message.method, message.params);
      if (!checked.ok) return void client.send(reply(id, invalidParams(checked.issues)));
      this.appCalls(message.method, checked.value).then(
        (result) => client.send(JSON.stringify({ jsonrpc: '2.0', id, result })),
        (error: unknown) => client.send(reply(id, error instanceof RpcError ? error.toJSON() : { code: ErrorCode.Internal, message: String(error) })),
      );
      return;
    }
    if (isAppMethodName(message.method)) {
      client.send(reply(id, notAvailable(message.method, 'this host runs in the mode it was started with (restart it with --lab or --host)').toJSON()));
      return;
    }
    if (this.inFlight(client) >= BRIDGE_LIMITS.maxInFlight) {
      client.send(
        reply(id, {
          code: ErrorCode.LimitReached,
          message: `Too many calls in flight: at most ${BRIDGE_LIMITS.maxInFlight} per client; wait for replies before sending more.`,
          data: { cap: 'maxInFlight', limit: BRIDGE_LIMITS.maxInFlight },
        }),
      );
      return;
    }
    const helperId = this.nextId++;
    this.pending.set(helperId, { client, id });
    const forwarded = JSON.stringify({ jsonrpc: '2.0', id: helperId, method: message.method, params: message.params });
    if (!this.helper.send(forwarded)) {
      this.pending.delete(helperId);
      client.send(reply(id, unavailable(this.helper.status)));
    }
  }

  private inFlight(client: RouterClient): number {
    let count = 0;
    for (const p of this.pending.values()) if (p.client === client) count++;
    return count;
  }

  private fromHelper(text: string): void {
    let message: { id?: unknown; method?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    if (typeof message.id === 'number') {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      pending.client.send(JSON.stringify({ ...message, id: pending.id }));
      return;
    }
    if (message.method === 'helper.connection') this.lastConnection = text;
    if (typeof message.method === 'string') for (const client of this.clients) client.send(text);
  }

  private onStatus(status: HelperStatus): void {
    // A restart announces "starting" again; clients were told that already when they attached.
    const text = JSON.stringify(status);
    if (text === this.lastStatus) return;
    this.lastStatus = text;
    if (status.state !== 'ready') {
      for (const p of this.pending.values()) p.client.send(reply(p.id, unavailable(status)));
      this.pending.clear();
      // A new helper says afresh how its connection stands.
      this.lastConnection = null;
    }
    for (const client of this.clients) client.send(notification('helper.status', status));
  }
}

/** An app.* call the process hosting this helper does not answer, and why: one wording wherever that is. */
export function notAvailable(method: string, why: string): RpcError {
  return new RpcError({ code: ErrorCode.NotSupported, message: `${method} is not available here: ${why}.` });
}

function reply(id: string | number | null, error: RpcErrorBody): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error });
}

function notification(method: string, params: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params });
}

function unavailable(status: HelperStatus): RpcErrorBody {
  const why = status.message ? ` (${status.message})` : '';
  return { code: ErrorCode.Unavailable, message: `The helper is ${status.state}${why}; try again in a moment.` };
}
