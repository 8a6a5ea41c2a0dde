// Awaits a call that must fail, and hands back its RpcError for inspection.
import { RpcError } from '../../shared/protocol';

export async function rejection(promise: Promise<unknown>): Promise<RpcError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
