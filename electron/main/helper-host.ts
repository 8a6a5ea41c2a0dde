// The Electron side of a helper: one per window, supervised, reached through
// the same router as the web bridge (one allowlist, the same caps), and the
// app.* methods the main process answers itself. The first window's helper
// runs in lab or host mode; a remote host's window has one acting over SSH.
import { ErrorCode, invalidParams, NOTIFICATION_NAMES, RpcError, type HelperMode, type HelperStatus, type NotificationName } from '../../shared/protocol';
import { RpcClient } from '../../shared/rpc-client';
import { checkParams, isAppMethodName, type ValidParams } from '../../shared/schemas';
import { helperLaunch, LaunchError, type LaunchContext } from '../bridge/launch';
import { RemoteHelper, type SshTarget } from '../bridge/remote-helper';
import { notAvailable, RpcRouter } from '../bridge/router';
import { HelperSupervisor } from '../bridge/supervisor';

/** How long a host-mode start may take: the password dialog waits for a person. */
const HOST_START_MS = 120_000;

export interface HelperHostOptions {
  /** A remote host this window acts on; without, this machine. */
  remote?: SshTarget;
  /** Opens (or brings forward) the window of a remote host; the destination is checked already. */
  openHost?: (destination: string) => void;
}

export class HelperHost {
  readonly supervisor: HelperSupervisor;
  /** The window's end of the router: raw JSON-RPC lines in, replies and the protocol's notifications out. */
  private readonly client: RpcClient;
  private readonly remote: RemoteHelper | null;

  constructor(
    private readonly ctx: LaunchContext,
    private readonly notify: (name: NotificationName, params: unknown) => void,
    log?: (line: string) => void,
    private readonly options: HelperHostOptions = {},
  ) {
    this.remote = options.remote ? new RemoteHelper(options.remote, ctx, log) : null;
    this.supervisor = this.remote?.supervisor ?? new HelperSupervisor('lab', helperLaunch('lab', ctx), log);
    const router = this.remote?.router ?? new RpcRouter(this.supervisor);
    let link: { receive(text: string): void } | null = null;
    this.client = new RpcClient((text) => link?.receive(text));
    for (const name of NOTIFICATION_NAMES) this.client.on(name, (params) => this.notify(name, params));
    link = router.attach({ send: (text) => this.client.receive(text) });
  }

  get mode(): HelperMode {
    return this.supervisor.mode;
  }

  start(): void {
    this.supervisor.start();
  }

  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  /** A renderer call: app.* here (validated with the shared schema), everything else to the helper. */
  async call(method: string, params: unknown): Promise<unknown> {
    if (isAppMethodName(method)) {
      const checked = checkParams(method, params);
      if (!checked.ok) throw new RpcError(invalidParams(checked.issues));
      if (method === 'app.openHost' && this.options.openHost) {
        this.options.openHost((checked.value as ValidParams['app.openHost']).destination);
        return {};
      }
      if (this.remote) return this.remote.answer(method, checked.value);
      if (method === 'app.setMode') return this.setMode((checked.value as { mode: HelperMode }).mode);
      throw notAvailable(method, 'this window acts on no remote host');
    }
    // The router checks the method against the protocol, caps calls in flight and fails them when the helper goes.
    return this.client.call(method as 'snapshot', params as Record<string, never>);
  }

  /**
   * Restarts the helper in the other mode. When host mode cannot start
   * (dismissed or refused password, no pkexec, the helper fails), says why
   * and comes back to lab mode; it never hangs.
   */
  async setMode(mode: HelperMode): Promise<{ mode: HelperMode }> {
    if (mode === this.supervisor.mode && this.supervisor.status.state === 'ready') return { mode };
    let launch;
    try {
      launch = helperLaunch(mode, this.ctx);
    } catch (error) {
      if (error instanceof LaunchError) throw new RpcError({ code: ErrorCode.NotSupported, message: error.message });
      throw error;
    }
    await this.supervisor.stop();
    this.supervisor.configure(mode, launch);
    this.supervisor.start();
    const status: HelperStatus = await this.supervisor.settled(mode === 'host' ? HOST_START_MS : 30_000);
    if (status.state === 'ready') return { mode };
    await this.supervisor.stop();
    this.supervisor.configure('lab', helperLaunch('lab', this.ctx));
    this.supervisor.start();
    throw new RpcError({ code: ErrorCode.Unavailable, message: `Could not switch to ${mode} mode: ${status.message ?? 'the helper did not start'}. Back in lab mode.` });
  }
}
