// The one way the renderer calls the helper. Every intent (actions.ts, files.ts)
// ends here, so every error is handled once: a toast with the helper's own
// words, or, for a host-mode call the helper refused as risky (-32004), a
// confirmation that repeats it with confirmRisk. State is not read back after a
// call: the helper pushes the change's topology notification before its reply.
import { ErrorCode, RpcError, type HostKeyData, type MethodName, type MethodParams, type MethodResult, type RiskErrorData } from '../shared/protocol';
import { useClient } from './client/current';
import { describeFailure } from './model/failures';
import { useTopology } from './stores/topology';
import { useUi } from './stores/ui';

export interface RequestOptions {
  /** Say nothing when it fails (keystrokes to a shell that has just ended). */
  quiet?: boolean;
  /** Say nothing when the helper cannot be reached: the banner says so already (a read on start or on reconnecting). */
  quietIfUnavailable?: boolean;
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
  if (failed instanceof RpcError && failed.code === ErrorCode.UnknownHostKey) {
    askHostKey(failed);
    return undefined;
  }
  if (options.quiet || (options.quietIfUnavailable && failed instanceof RpcError && failed.code === ErrorCode.Unavailable)) return undefined;
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

/** Whether the host key question is on screen: the first calls all fail the same way, and it is asked once. */
let askingHostKey = false;

/**
 * A remote host whose key the user's known hosts lack: show its fingerprint
 * and ask. Yes restarts the helper with that fingerprint, which adds exactly
 * that key; the helper's ready status then reads everything afresh.
 */
function askHostKey(error: RpcError): void {
  const data = error.data as Partial<HostKeyData> | undefined;
  if (askingHostKey || !data?.fingerprint) return;
  askingHostKey = true;
  const fingerprint = data.fingerprint;
  useUi().ask(
    'Trust this host?',
    `The host is not in your known hosts yet. Its ${data.keyType ?? ''} key has this fingerprint:\n\n${fingerprint}\n\nCompare it with what \`ssh-keygen -lf /etc/ssh/ssh_host_${(data.keyType ?? 'ed25519').toLowerCase()}_key.pub\` prints on the server. If they match, the key is added to your known hosts and the app connects.`,
    'Trust and connect',
    () => void request('app.acceptHostKey', { fingerprint }, 'Could not connect with that key').finally(() => (askingHostKey = false)),
    () => (askingHostKey = false),
  );
}
