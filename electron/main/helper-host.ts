// The Electron side of the helper: one supervised helper at a time, in lab or
// host mode, and the app.* methods the main process answers itself.
import { ErrorCode, RpcError, type HelperMode, type HelperStatus, type NotificationName } from '../../shared/protocol';
import { RpcClient } from '../../shared/rpc-client';
import { checkParams, isAppMethodName } from '../../shared/schemas';
import { helperLaunch, LaunchError, type LaunchContext } from '../bridge/launch';
import { HelperSupervisor } from '../bridge/supervisor';

/** How long a host-mode start may take: the password dialog waits for a person. */
const HOST_START_MS = 120_000;
const RELAYED: NotificationName[] = ['command', 'topology', 'ping.reply', 'ping.message', 'ping.done', 'capture.packet', 'capture.done', 'terminal.data', 'terminal.exit'];

export class HelperHost {
  readonly supervisor: HelperSupervisor;
  private readonly client: RpcClient;

  constructor(
    private readonly ctx: LaunchContext,
    private readonly notify: (name: NotificationName, params: unknown) => void,
    log?: (line: string) => void,
  ) {
    this.supervisor = new HelperSupervisor('lab', helperLaunch('lab', ctx), log);
    this.client = new RpcClient((text) => {
      if (!this.supervisor.send(text)) throw new Error(`the helper is ${this.supervisor.status.state}`);
    });
    this.supervisor.on('message', (text) => this.client.receive(text));
    this.supervisor.on('status', (status) => {
      if (status.state !== 'ready') this.client.disconnect(status.message ?? status.state);
      this.notify('helper.status', status);
    });
    for (const name of RELAYED) this.client.on(name, (params) => this.notify(name, params));
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
      if (!checked.ok) {
        const text = checked.issues.map((i) => `${i.field}: ${i.message}`).join('; ');
        throw new RpcError({ code: ErrorCode.InvalidParams, message: `Invalid params: ${text}`, data: { field: checked.issues[0]?.field, issues: checked.issues } });
      }
      return this.setMode(checked.value.mode);
    }
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
