// The remote hosts a web bridge's tabs have open: one helper per host, started
// when its first tab connects and stopped a while after its last one leaves
// (a reload must not cost a new SSH connection). At most BRIDGE_LIMITS.maxRemoteHosts.
import { BRIDGE_LIMITS } from '../../shared/protocol';
import { canonicalDestination } from '../../shared/ssh-destination';
import type { LaunchContext } from '../bridge/launch';
import { RemoteHelper } from '../bridge/remote-helper';
import type { RpcRouter } from '../bridge/router';

interface Entry {
  helper: RemoteHelper;
  clients: number;
  idle: NodeJS.Timeout | null;
  /** The host the bridge was started with: it lives as long as the bridge. */
  pinned: boolean;
}

export type HostLease = { router: RpcRouter; release(): void } | { refused: string };

export class RemoteHosts {
  private readonly hosts = new Map<string, Entry>();

  constructor(
    private readonly launch: Pick<LaunchContext, 'node' | 'helperScript' | 'env'>,
    private readonly configFile: string | null,
    private readonly options: { idleMs?: number; log?: (line: string) => void } = {},
  ) {}

  /** The host given on the command line, already started. */
  adopt(helper: RemoteHelper): void {
    this.hosts.set(canonicalDestination(helper.ssh.destination) ?? helper.ssh.destination, { helper, clients: 0, idle: null, pinned: true });
  }

  /** A tab's way to a host: its helper, started if need be. */
  lease(destination: string): HostLease {
    const name = canonicalDestination(destination);
    if (name === null) return { refused: 'not a host' };
    let entry = this.hosts.get(name);
    if (!entry) {
      if (this.hosts.size >= BRIDGE_LIMITS.maxRemoteHosts) return { refused: `too many hosts open: at most ${BRIDGE_LIMITS.maxRemoteHosts}; close another host's tabs first` };
      // Each host's helper speaks on the bridge's stderr under its name.
      const log = this.options.log ?? ((line: string) => process.stderr.write(`[${name}] ${line}\n`));
      const helper = new RemoteHelper({ destination: name, configFile: this.configFile }, this.launch, log);
      helper.supervisor.start();
      entry = { helper, clients: 0, idle: null, pinned: false };
      this.hosts.set(name, entry);
    }
    const held = entry;
    held.clients++;
    if (held.idle) clearTimeout(held.idle);
    held.idle = null;
    let released = false;
    return {
      router: held.helper.router,
      release: () => {
        if (released) return;
        released = true;
        held.clients--;
        if (held.clients > 0 || held.pinned) return;
        held.idle = setTimeout(() => {
          this.hosts.delete(name);
          void held.helper.supervisor.stop();
        }, this.options.idleMs ?? BRIDGE_LIMITS.remoteIdleMs);
      },
    };
  }

  async stopAll(): Promise<void> {
    const entries = [...this.hosts.values()];
    this.hosts.clear();
    for (const entry of entries) if (entry.idle) clearTimeout(entry.idle);
    await Promise.all(entries.map((entry) => entry.helper.supervisor.stop()));
  }
}
