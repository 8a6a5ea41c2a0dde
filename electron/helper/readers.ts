// Long-lived readers: one `ip -n NAME -force -j -d -batch -` per named
// namespace, answering the snapshot's queries from a pipe instead of a new
// process each time. A reader sits inside its namespace and so keeps it
// alive: it is ended the moment the name goes (inotify on /run/netns, before
// the app deletes one), when unused for a while (the reconcile does not count
// as use), and past a cap. The pool keeps the cap and the idle rule; a place
// starts the readers, on this machine (here) or on a server (remote/reader-hub.ts).
import { statSync, watch, type FSWatcher } from 'node:fs';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { IpRunner } from './ip';
import { failedBatchLines } from './parse';

/** Readers kept at most: each is an idle ip process of about 0.3 MiB (PSS). */
export const READER_CAP = 256;
/** A reader unused this long ends; the reconcile's readings do not count as use, so an app left alone keeps no reader. */
export const READER_IDLE_MS = 120_000;
/** An answer slower than this means something is wrong with the reader: it is ended and the caller falls back. */
export const ANSWER_TIMEOUT_MS = 5000;
/**
 * A line that always fails, closing each round: its "Command failed -:N"
 * on stderr says every answer before it is out. (A valid name no one uses;
 * should it exist, the round times out and the reader is replaced.)
 */
export const SENTINEL = 'link show dev .nx-end.';

interface Round {
  /** Batch line numbers (ip counts from 1 over the reader's life) of this round's queries, and of its sentinel. */
  first: number;
  sentinel: number;
  resolve(answer: string | null): void;
  timer: NodeJS.Timeout;
}

/** One namespace's reader, wherever it runs. */
export interface Reader {
  /** The namespace's inode when the reader started: a name pointed elsewhere later is another namespace. */
  readonly inode: number;
  readonly ended: boolean;
  /** The output of `lines` (one JSON value each), or null when any failed or the reader did not answer. */
  query(lines: readonly string[]): Promise<string | null>;
  end(): void;
}

/** Where readers run. */
export interface ReaderPlace {
  /** Called once by the pool with the readers it keeps, by name, so the place can end those whose names go (a place that hears of that itself needs neither this nor prune). */
  follow?(readers: ReadonlyMap<string, Reader>): void;
  /** A reader inside `name` if the name still points to namespace `inode`, else null; `onEnd` runs once it ends, for whatever reason. */
  open(name: string, inode: number, onEnd: () => void): Reader | null;
  /** Ends every reader whose name is gone or points elsewhere. */
  prune?(): void;
  close(): void;
}

/** A reader on this machine: its own ip process, rounds told apart on stderr. */
class PipeReader implements Reader {
  private sent = 0;
  private stdout = '';
  private stderr = '';
  /** Answers complete on stdout in this round. */
  private answered = 0;
  private round: Round | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  ended = false;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly inode: number,
    private readonly onEnd: () => void,
  ) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.stdout += chunk;
      // ip -j prints each answer on one line (strings escape their newlines): counting lines counts answers.
      for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', at + 1)) this.answered++;
      this.settle();
    });
    child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
      this.settle();
    });
    child.on('exit', () => this.end());
    // ip missing, or the pipe broken: the reader is gone, and readings fall back.
    child.on('error', () => this.end());
    child.stdin.on('error', () => this.end());
  }

  query(lines: readonly string[]): Promise<string | null> {
    const run = this.queue.then(() => this.ask(lines));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private ask(lines: readonly string[]): Promise<string | null> {
    if (this.ended) return Promise.resolve(null);
    this.stdout = '';
    this.stderr = '';
    this.answered = 0;
    const first = this.sent + 1;
    this.sent += lines.length + 1;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.round = null;
        resolve(null);
        this.end();
      }, ANSWER_TIMEOUT_MS);
      this.round = { first, sentinel: this.sent, resolve, timer };
      this.child.stdin.write(`${[...lines, SENTINEL].join('\n')}\n`);
    });
  }

  /** Ends the round once the sentinel failed and every query before it has answered. */
  private settle(): void {
    const round = this.round;
    if (!round) return;
    const failed = failedBatchLines(this.stderr);
    if (!failed.has(round.sentinel)) return;
    const queries = round.sentinel - round.first;
    const bad = [...failed].filter((n) => n >= round.first && n < round.sentinel).length;
    if (bad === 0 && this.answered < queries) return;
    clearTimeout(round.timer);
    this.round = null;
    round.resolve(bad ? null : this.stdout);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.round) {
      clearTimeout(this.round.timer);
      this.round.resolve(null);
      this.round = null;
    }
    this.child.kill('SIGKILL');
    this.onEnd();
  }
}

/** The inode a /run/netns name points to now; null when it is gone. */
function inodeOf(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

/** Readers on this machine, watching the names' directory while any exist. */
export class LocalReaderPlace implements ReaderPlace {
  private watcher: FSWatcher | null = null;
  private readers: ReadonlyMap<string, Reader> = new Map();

  constructor(
    private readonly ip: IpRunner,
    /** Where names live (/run/netns). */
    private readonly dir: string,
  ) {}

  follow(readers: ReadonlyMap<string, Reader>): void {
    this.readers = readers;
  }

  open(name: string, inode: number, onEnd: () => void): Reader | null {
    if (inodeOf(`${this.dir}/${name}`) !== inode) return null;
    this.watchNames();
    return new PipeReader(this.ip.startPipes('ip', ['-force', '-j', '-d', '-batch', '-'], name), inode, onEnd);
  }

  prune(): void {
    for (const [name, reader] of this.readers) if (inodeOf(`${this.dir}/${name}`) !== reader.inode) reader.end();
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
  }

  /** inotify on the names' directory: a name deleted by anyone ends its reader within milliseconds. */
  private watchNames(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.dir, () => this.prune());
      this.watcher.on('error', () => undefined);
    } catch {
      // No directory to watch: listings still prune.
    }
  }
}

export class NamespaceReaders {
  private readonly readers = new Map<string, Reader>();
  /** When each name's reader was last used for a reading that was not the reconcile's. */
  private readonly used = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly place: ReaderPlace,
    private readonly cap = READER_CAP,
    private readonly idleMs = READER_IDLE_MS,
  ) {
    this.sweeper = setInterval(() => this.sweepIdle(), Math.min(10_000, idleMs));
    this.sweeper.unref();
    place.follow?.(this.readers);
  }

  /**
   * Answers `lines` in the namespace `name` (inode `inode`) through its reader,
   * starting one if there is none; null when it cannot (the caller reads the
   * usual way). A `background` reading (the reconcile's) neither starts a
   * reader nor counts as use.
   */
  async read(name: string, inode: string, lines: readonly string[], background = false): Promise<string | null> {
    let reader = this.readers.get(name);
    if (reader && String(reader.inode) !== inode) {
      reader.end();
      reader = undefined;
    }
    if (!reader) {
      if (background) return null;
      if (this.readers.size >= this.cap) this.leastRecentlyUsed()?.end();
      const created = this.place.open(name, Number(inode), () => {
        if (this.readers.get(name) !== created) return;
        this.readers.delete(name);
        this.used.delete(name);
      });
      if (!created) return null;
      this.readers.set(name, created);
      reader = created;
    }
    if (!background) this.used.set(name, performance.now());
    return reader.query(lines);
  }

  /** How many readers are alive. */
  get size(): number {
    return this.readers.size;
  }

  /** Whether `name` has a reader in the namespace with inode `inode`. */
  has(name: string, inode: string): boolean {
    const reader = this.readers.get(name);
    return !!reader && !reader.ended && String(reader.inode) === inode;
  }

  /** How many readers may start before the cap ends the least recently used. */
  room(): number {
    return Math.max(0, this.cap - this.readers.size);
  }

  /** Ends the reader inside `name` (before the app deletes it). */
  end(name: string): void {
    this.readers.get(name)?.end();
  }

  /** Ends every reader whose name is gone or points to another namespace: called on each listing. */
  prune(): void {
    this.place.prune?.();
  }

  endAll(): void {
    clearInterval(this.sweeper);
    for (const reader of this.readers.values()) reader.end();
    this.place.close();
  }

  private lastUse(name: string): number {
    return this.used.get(name) ?? 0;
  }

  private sweepIdle(): void {
    const now = performance.now();
    for (const [name, reader] of this.readers) if (now - this.lastUse(name) > this.idleMs) reader.end();
  }

  private leastRecentlyUsed(): Reader | undefined {
    let oldest: string | undefined;
    for (const name of this.readers.keys()) if (oldest === undefined || this.lastUse(name) < this.lastUse(oldest)) oldest = name;
    return oldest === undefined ? undefined : this.readers.get(oldest);
  }
}
