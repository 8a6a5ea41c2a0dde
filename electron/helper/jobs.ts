// Long-running processes the helper keeps for a client (pings, captures):
// stopped on request, when their namespace is deleted, and when the helper quits.
import { ErrorCode, RpcError } from '../../shared/protocol';

export interface Job {
  /** Namespace it runs in; null for the helper's own. */
  namespace: string | null;
  /** Asks it to finish (SIGINT: it prints its summary first). */
  stop: () => void;
  /** Settles once it has ended and reported. */
  finished: Promise<void>;
}

export class Jobs {
  private next = 1;
  private readonly running = new Map<string, Job>();

  constructor(private readonly kind: string) {}

  newId(): string {
    return `${this.kind}-${this.next++}`;
  }

  add(id: string, job: Job): void {
    this.running.set(id, job);
    void job.finished.finally(() => this.running.delete(id));
  }

  get(id: string): Job | undefined {
    return this.running.get(id);
  }

  async stop(id: string): Promise<void> {
    const job = this.running.get(id);
    if (!job) throw new RpcError({ code: ErrorCode.NotFound, message: `No ${this.kind} ${id} is running.` });
    job.stop();
    await job.finished;
  }

  /** Stops those running in a namespace about to be deleted: they would keep it alive. */
  async stopIn(namespace: string): Promise<void> {
    await this.stopWhere((job) => job.namespace === namespace);
  }

  async stopAll(): Promise<void> {
    await this.stopWhere(() => true);
  }

  private async stopWhere(match: (job: Job) => boolean): Promise<void> {
    const chosen = [...this.running.values()].filter(match);
    for (const job of chosen) job.stop();
    await Promise.all(chosen.map((job) => job.finished));
  }
}
