// The desktop app's windows, one per machine: this one's, then one per remote
// host opened. Kept apart from Electron so the rules (one window a host, each
// IPC call answered by its own window's helper, a helper living as long as
// its window) are tested without it.
import { canonicalDestination } from '../../shared/ssh-destination';

/** A window and the helper it shows: this machine's (remote: null), or a remote host's. */
export interface HostWindow<W, H> {
  window: W;
  helper: H;
  remote: string | null;
}

interface Window {
  focus(): void;
}

interface Helper {
  stop(): Promise<void>;
}

export class HostWindows<W extends Window, H extends Helper> {
  /** By webContents id. */
  private readonly byId = new Map<number, HostWindow<W, H>>();

  constructor(
    /** Makes the window and its helper for a machine; `closed` is to be called once the window has closed. */
    private readonly make: (remote: string | null, closed: () => void) => { id: number; window: W; helper: H },
  ) {}

  /** A window for a machine; its helper stops when it closes. */
  open(remote: string | null): HostWindow<W, H> {
    let id = -1;
    const made = this.make(remote, () => {
      const entry = this.byId.get(id);
      this.byId.delete(id);
      void entry?.helper.stop();
    });
    id = made.id;
    const entry = { window: made.window, helper: made.helper, remote };
    this.byId.set(id, entry);
    return entry;
  }

  /** One window per remote host, however its address is spelled: asking again brings that window forward. Nothing for an address that is not one. */
  openHost(destination: string): void {
    const name = canonicalDestination(destination);
    if (name === null) return;
    const open = [...this.byId.values()].find((w) => w.remote === name);
    if (open) open.window.focus();
    else this.open(name);
  }

  /** The window whose page sent an IPC call (by its webContents id). */
  get(id: number): HostWindow<W, H> | undefined {
    return this.byId.get(id);
  }

  /** Stops every helper (quitting): the lab, and each remote host's SSH connection. */
  stopAll(): Promise<void[]> {
    return Promise.all([...this.byId.values()].map((w) => w.helper.stop()));
  }
}
