// The one way the renderer calls the helper. Every intent (actions.ts, files.ts)
// ends here, so every error is handled once: a toast with the helper's own
// words, or, for a host-mode call the helper refused as risky (-32004), a
// confirmation that repeats it with confirmRisk. State is not read back after a
// call: the helper pushes the change's topology notification before its reply.
import { ErrorCode, RpcError, type MethodName, type MethodParams, type MethodResult, type RiskErrorData } from '../shared/protocol';
import { useClient } from './client/current';
import { describeFailure } from './model/failures';
import { useTopology } from './stores/topology';
import { useUi } from './stores/ui';

export interface RequestOptions {
  /** Say nothing when it fails (keystrokes to a shell that has just ended). */
  quiet?: boolean;
}

/** Sends one call. Resolves to its result, or undefined when it failed or the user declined. */
export async function request<M extends MethodName>(method: M, params: MethodParams[M], failure: string, options: RequestOptions = {}): Promise<MethodResult<M> | undefined> {
  const topology = useTopology();
  let failed: unknown;
  topology.busy++;
  try {
    return await useClient().call(method, params);
  } catch (error) {
    failed = error;
  } finally {
    topology.busy--;
  }
  if (options.quiet) return undefined;
  const ui = useUi();
  if (failed instanceof RpcError && failed.code === ErrorCode.RiskRefused && !(params as { confirmRisk?: boolean }).confirmRisk) {
    const data = failed.data as Partial<RiskErrorData> | undefined;
    return new Promise((resolve) =>
      ui.ask(
        data?.title ?? 'This could cut the machine off',
        data?.risk ?? failed.message,
        'Do it anyway',
        () => void request(method, { ...params, confirmRisk: true }, failure).then(resolve),
        () => resolve(undefined),
      ),
    );
  }
  const kernel = failed instanceof RpcError ? failed.message : String(failed);
  // Which name clashed or was missing, in the user's terms; the kernel's words stay as the detail.
  const plain = failed instanceof RpcError && failed.code === ErrorCode.CommandFailed ? describeFailure(method, params as Record<string, unknown>, kernel, topology.namespaces) : null;
  ui.toast('error', plain ? `${failure}: ${plain}` : failure, kernel);
  return undefined;
}
