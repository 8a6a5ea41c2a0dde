// The relay between the renderer and the helper: only from the app's own pages,
// answered as {result} | {error} envelopes. Which methods pass is the router's
// one allowlist (electron/bridge/router.ts), as for the web bridge.
import type { Envelope } from '../../shared/protocol';
import { ErrorCode, RpcError } from '../../shared/protocol';

export const CALL_CHANNEL = 'netns:call';
export const NOTIFY_CHANNEL = 'netns:notify';
export const APP_ORIGIN = 'app://netns-explorer';

/** Whether an IPC message comes from a frame showing the app itself (not a navigated or injected page). */
export function trustedSender(frameUrl: string | undefined): boolean {
  if (!frameUrl) return false;
  try {
    const url = new URL(frameUrl);
    return `${url.protocol}//${url.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

export interface Forwarder {
  call(method: string, params: unknown): Promise<unknown>;
}

/** Handles one call from the renderer; never throws, always an envelope. */
export async function relayCall(frameUrl: string | undefined, method: unknown, params: unknown, helper: Forwarder): Promise<Envelope<unknown>> {
  if (!trustedSender(frameUrl)) {
    return { error: { code: ErrorCode.InvalidRequest, message: 'Refused: the request did not come from the app.' } };
  }
  if (typeof method !== 'string') return { error: { code: ErrorCode.InvalidRequest, message: 'Invalid request: the method must be a string.' } };
  try {
    return { result: await helper.call(method, params) };
  } catch (error) {
    if (error instanceof RpcError) return { error: error.toJSON() };
    return { error: { code: ErrorCode.Internal, message: error instanceof Error ? error.message : String(error) } };
  }
}
