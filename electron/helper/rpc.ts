// JSON-RPC 2.0 over a line stream: framing, validation, dispatch, errors.
import { createInterface } from 'node:readline';
import { ErrorCode, invalidParams, RpcError, type RpcErrorBody } from '../../shared/protocol';
import { checkParams, isHelperMethodName, type HelperMethodName, type ValidParams } from '../../shared/schemas';

export type Dispatch = <M extends HelperMethodName>(method: M, params: ValidParams[M]) => Promise<unknown>;

interface Request {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

type Reply = { jsonrpc: '2.0'; id: unknown; result: unknown } | { jsonrpc: '2.0'; id: unknown; error: RpcErrorBody };

function errorReply(id: unknown, error: RpcErrorBody): Reply {
  return { jsonrpc: '2.0', id: id ?? null, error };
}

export function toErrorBody(error: unknown): RpcErrorBody {
  if (error instanceof RpcError) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: ErrorCode.Internal, message: `Internal error: ${message}` };
}

/** Handles one request object; undefined for a notification (no id: no reply). */
export async function handleRequest(request: unknown, dispatch: Dispatch): Promise<Reply | undefined> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return errorReply(null, { code: ErrorCode.InvalidRequest, message: 'Invalid request: expected an object' });
  }
  const r = request as Request;
  const id = r.id;
  const validId = id === undefined || typeof id === 'number' || typeof id === 'string' || id === null;
  if (r.jsonrpc !== '2.0' || typeof r.method !== 'string' || !validId) {
    return errorReply(validId ? id : null, {
      code: ErrorCode.InvalidRequest,
      message: 'Invalid request: needs jsonrpc "2.0", a method name and a number or string id',
    });
  }
  const reply = async (): Promise<Reply> => {
    if (!isHelperMethodName(r.method)) {
      return errorReply(id, { code: ErrorCode.MethodNotFound, message: `Method not found: ${String(r.method)}` });
    }
    const checked = checkParams(r.method, r.params);
    if (!checked.ok) return errorReply(id, invalidParams(checked.issues));
    try {
      return { jsonrpc: '2.0', id, result: await dispatch(r.method, checked.value) };
    } catch (error) {
      return errorReply(id, toErrorBody(error));
    }
  };
  const result = await reply();
  return id === undefined ? undefined : result;
}

/** Handles one line of text: a request or a batch of them. */
export async function handleLine(line: string, dispatch: Dispatch): Promise<unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return errorReply(null, { code: ErrorCode.ParseError, message: 'Parse error: not valid JSON' });
  }
  if (!Array.isArray(parsed)) return handleRequest(parsed, dispatch);
  if (parsed.length === 0) return errorReply(null, { code: ErrorCode.InvalidRequest, message: 'Invalid request: empty batch' });
  const replies = (await Promise.all(parsed.map((r) => handleRequest(r, dispatch)))).filter((r) => r !== undefined);
  return replies.length ? replies : undefined;
}

export interface LineServer {
  notify(method: string, params: unknown): void;
  /** Resolves when stdin ends and every request has been answered. */
  closed: Promise<void>;
}

/** Serves JSON-RPC on a line stream: the helper's stdio, or a control-socket connection. */
export function serveLines(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, dispatch: Dispatch): LineServer {
  const write = (message: unknown) => {
    if ((output as { writable?: boolean }).writable !== false) output.write(`${JSON.stringify(message)}\n`);
  };
  const inFlight = new Set<Promise<void>>();
  const lines = createInterface({ input, crlfDelay: Infinity });
  // A peer that vanished (EPIPE, ECONNRESET) ends this stream, never the helper.
  lines.on('error', () => lines.close());
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    const job = handleLine(line, dispatch).then((reply) => {
      if (reply !== undefined) write(reply);
    });
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  });
  const closed = new Promise<void>((resolve) => {
    lines.on('close', () => {
      void Promise.allSettled([...inFlight]).then(() => resolve());
    });
  });
  return { notify: (method, params) => write({ jsonrpc: '2.0', method, params }), closed };
}
