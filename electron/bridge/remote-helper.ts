// One remote host's helper: started here with --ssh, under supervision,
// reached through a router of its own. The desktop app keeps one per window
// and the web bridge one per host its tabs open; both trust keys this way.
import { ErrorCode, RpcError } from '../../shared/protocol';
import type { AppMethodName, ValidParams } from '../../shared/schemas';
import { remoteHelperLaunch, type LaunchContext } from './launch';
import { notAvailable, RpcRouter } from './router';
import { HelperSupervisor } from './supervisor';

export interface SshTarget {
  /** [USER@]HOST[:PORT], already checked with parseDestination. */
  destination: string;
  /** ssh -F: only ever from the command line that started the app. */
  configFile: string | null;
}

type Launch = Pick<LaunchContext, 'node' | 'helperScript' | 'env'>;

export class RemoteHelper {
  readonly supervisor: HelperSupervisor;
  readonly router: RpcRouter;

  constructor(
    readonly ssh: SshTarget,
    private readonly launch: Launch,
    log?: (line: string) => void,
  ) {
    this.supervisor = new HelperSupervisor('host', remoteHelperLaunch(ssh, launch), log);
    // The web bridge's tabs reach app.* through the router; the desktop app's window through HelperHost, which opens hosts itself.
    this.router = new RpcRouter(this.supervisor, (method, params) => this.answer(method, params));
  }

  /** The app.* calls of a page showing this host (checked with the shared schema already). */
  answer(method: AppMethodName, params: ValidParams[AppMethodName]): Promise<unknown> {
    if (method === 'app.acceptHostKey') return this.acceptHostKey((params as ValidParams['app.acceptHostKey']).fingerprint);
    const why = method === 'app.setMode' ? `this page acts on ${this.ssh.destination}; lab and host mode belong to this machine` : 'a page opens another host in a tab of its own';
    return Promise.reject(notAvailable(method, why));
  }

  /** The user trusted the host's key: start the helper once with it, which adds exactly that key to their known_hosts. */
  async acceptHostKey(fingerprint: string): Promise<Record<string, never>> {
    await this.supervisor.stop();
    this.supervisor.configure('host', remoteHelperLaunch({ ...this.ssh, acceptKey: fingerprint }, this.launch));
    this.supervisor.start();
    const status = await this.supervisor.settled(30_000);
    // Later restarts need no key: it is known now.
    this.supervisor.configure('host', remoteHelperLaunch(this.ssh, this.launch));
    if (status.state !== 'ready') throw new RpcError({ code: ErrorCode.Unavailable, message: `The helper did not start again: ${status.message ?? 'unknown error'}` });
    return {};
  }
}
