// Readers on a server: one channel runs a small awk "hub" that keeps an
// `ip -n NAME -force -j -d -batch -` per named namespace behind a pair of
// fifos, and answers the helper's queries in order. A channel per reader
// would run into sshd's session cap, and a process per query is what readers
// are there to save. `ip netns monitor` (inotify on /run/netns) ends a
// reader the moment anyone deletes its name, so no namespace outlives its
// name because of the helper.
import type { IpRunner } from '../ip';
import { ANSWER_TIMEOUT_MS, SENTINEL, type Reader, type ReaderPlace } from '../readers';
import { NETNS_DIR } from '../host-view';
import { FACTS_SCRIPT } from './remote-view';

/** The reader name of the server's own namespace: never a /run/netns name. */
export const ROOT_READER = '.';

/** Exit status of a hub that cannot run on this server (no awk, stdbuf or mktemp): the helper reads without readers. */
const CANNOT_RUN = 3;

/**
 * The hub's awk program. Requests on stdin, one a line, tab-separated:
 * - `Q ID NAME INODE TAG LINE…` asks NAME's reader (started if the name
 *   still points to INODE) for the batch LINEs; TAG names the helper's reader.
 *   NAME `.` is the hub's own namespace, the server's.
 *   The LINEs go to the reader at once and its answer is collected at the
 *   next other request (`W` when there is nothing else), so the readers of a
 *   batch work side by side.
 * - `END NAME` ends NAME's reader.
 * - `L NONCE` runs the facts script (remote-view.ts): a line `L`, then its
 *   output, which ends with a mark made of NONCE.
 *
 * Answers on stdout, in the order asked (the facts aside): the JSON lines, then `Z ID ok|bad`;
 * `F ID` when no reader could start. `E NAME TAG` whenever a reader ends.
 * JSON lines start with `[` or `{`; ip's error lines are dropped (a failed
 * query makes the answer `bad`). A reader the watcher killed has lost its
 * pid file, and is started afresh rather than written to.
 */
export const HUB_PROGRAM = String.raw`
function q(s) { gsub(/'/, "'\\''", s); return "'" s "'" }
function stop(name) {
  if (!(name in inode)) return
  system("kill -9 $(cat " q(dir "/p." name) ") 2>/dev/null; rm -f " q(dir "/i." name) " " q(dir "/o." name) " " q(dir "/p." name))
  close(dir "/i." name); close(dir "/o." name)
  print "E\t" name "\t" tag[name]
  delete inode[name]; delete sent[name]; delete tag[name]
}
function start(name, ino,   i, o, path, ns) {
  i = dir "/i." name; o = dir "/o." name
  path = name == "." ? "/proc/self/ns/net" : netns "/" name
  ns = name == "." ? "" : "-n " q(name) " "
  if (system("[ \"$(stat -L -c %i " q(path) " 2>/dev/null)\" = " q(ino) " ] && mkfifo " q(i) " " q(o) " && { ip " ns "-force -j -d -batch - <>" q(i) " >" q(o) " 2>&1 & echo $! >" q(dir "/p." name) "; }") != 0) {
    system("rm -f " q(i) " " q(o))
    return 0
  }
  inode[name] = ino; sent[name] = 0
  return 1
}
function collect(k,   name, bad, line, r, n) {
  name = pendingName[k]
  if (name == "") { print "F\t" pendingId[k]; return }
  bad = 0
  while ((r = (getline line < (dir "/o." name))) > 0) {
    if (line ~ /^Command failed -:[0-9]+$/) { n = substr(line, 18) + 0; if (n == pendingLast[k]) break; if (n >= pendingFirst[k]) bad = 1 }
    else if (line ~ /^[[{]/) print line
  }
  print "Z\t" pendingId[k] "\t" (r > 0 && !bad ? "ok" : "bad")
  if (r <= 0) stop(name)
}
function drain(   k) {
  for (k = 1; k <= pending; k++) collect(k)
  pending = 0
  for (k in asked) delete asked[k]
  fflush()
}
BEGIN { FS = "\t"; facts = ARGV[1]; ARGV[1] = ""; pending = 0 }
$1 != "Q" { drain() }
$1 == "Q" {
  id = $2; name = $3; ino = $4
  # One answer at a time from a reader.
  if (name in asked) drain()
  if ((name in inode) && inode[name] != ino) stop(name)
  if (name in inode) {
    alive = (getline pid < (dir "/p." name)) > 0; close(dir "/p." name)
    if (!alive) stop(name)
  }
  k = ++pending; pendingId[k] = id; pendingName[k] = ""
  if (!(name in inode) && !start(name, ino)) next
  tag[name] = $5; asked[name] = 1; pendingName[k] = name
  body = ""
  for (f = 6; f <= NF; f++) body = body $f "\n"
  pendingFirst[k] = sent[name] + 1; sent[name] += NF - 4; pendingLast[k] = sent[name]
  printf "%s%s\n", body, sentinel > (dir "/i." name); fflush(dir "/i." name)
  next
}
$1 == "END" { stop($2); fflush(); next }
$1 == "L" { print "L"; fflush(); system("set -- " q($2) "; " facts); next }
END { drain(); for (name in inode) stop(name); fflush() }
`;

/**
 * The hub's shell: a temporary directory for the fifos (removed on exit with
 * every reader), a watcher that kills the reader of a deleted name at once
 * (the hub may be busy answering), and awk reading the channel. mawk reads a
 * pipe in whole blocks unless told it is interactive.
 */
export const HUB_SCRIPT = [
  `command -v awk >/dev/null && command -v stdbuf >/dev/null && d=$(mktemp -d) || exit ${CANNOT_RUN}`,
  `trap 'kill $m $w 2>/dev/null; for p in "$d"/p.*; do [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; done; rm -rf "$d"' EXIT`,
  `trap 'exit 1' HUP TERM`,
  // A reader killed from outside must not take the hub with it when it is written to next: that write fails, and its answer is bad.
  `trap '' PIPE`,
  `mkfifo "$d/events" || exit ${CANNOT_RUN}`,
  `stdbuf -oL ip netns monitor >"$d/events" 2>/dev/null & m=$!`,
  `while read -r op name; do [ "$op" = delete ] && [ -f "$d/p.$name" ] && kill -9 "$(cat "$d/p.$name")" 2>/dev/null && rm -f "$d/p.$name"; done <"$d/events" & w=$!`,
  `i=; awk -W version </dev/null 2>&1 | grep -q mawk && i='-W interactive'`,
  `awk $i -v dir="$d" -v netns=${NETNS_DIR} -v sentinel='${SENTINEL}' "$1" "$2"`,
].join('\n');

type Started = ReturnType<IpRunner['start']>;

interface Asked {
  /** The query's id; 0 for the facts. */
  id: number;
  name: string;
  /** The facts' end mark, and whether their output has begun. */
  facts?: { mark: string; begun: boolean };
  resolve(answer: string | null): void;
}

/** One server's hub: started on the first query, ended with its last reader. It hears of names that go on the server itself, and says so (E lines). */
export class ReaderHub implements ReaderPlace {
  private hub: Started | null = null;
  /** The server cannot run it: every reading goes the usual way. */
  private unavailable = false;
  private received = '';
  /** Requests not yet written. */
  private outgoing = '';
  private answer: string[] = [];
  /** Asked and not yet answered, in the order asked (the hub answers queries in that order, and the facts when it runs them). */
  private asked: Asked[] = [];
  private nextId = 1;
  private nextTag = 1;
  private readonly live = new Map<string, HubReader>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ip: IpRunner) {}

  open(name: string, inode: number, onEnd: () => void): Reader | null {
    if (this.unavailable || this.live.has(name)) return null;
    const reader = new HubReader(this, name, inode, this.nextTag++, () => {
      if (this.live.get(name) === reader) this.live.delete(name);
      onEnd();
      if (!this.live.size) this.close();
    });
    this.live.set(name, reader);
    return reader;
  }

  /** Sends one query; its answer, or null (failed, no reader could start, or the hub went). */
  ask(reader: HubReader, lines: readonly string[]): Promise<string | null> {
    const hub = this.started();
    if (!hub) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.asked.push({ id, name: reader.name, resolve });
      this.send(`${['Q', id, reader.name, reader.inode, reader.tag, ...lines].join('\t')}\n`);
    });
  }

  /** Queued requests go out together once this turn's asking is done, so a reading's readers work side by side. */
  private send(request: string): void {
    this.outgoing += request;
    this.armTimer();
    if (this.outgoing !== request) return;
    setImmediate(() => {
      const text = this.outgoing;
      this.outgoing = '';
      this.hub?.process.stdin?.write(`${text}W\n`);
    });
  }

  /**
   * The facts script's output, run by the hub (null when it is not running:
   * starting one for a listing alone would cost what it saves).
   */
  facts(nonce: string): Promise<string | null> {
    const hub = this.hub;
    if (!hub) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.asked.push({ id: 0, name: '', facts: { mark: `\x1e${nonce}end`, begun: false }, resolve });
      this.send(`L\t${nonce}\n`);
    });
  }

  /** Ends `name`'s reader on the server. */
  endReader(name: string): void {
    if (this.hub) this.send(`END\t${name}\n`);
  }

  /** Ends the hub: the server ends every reader and removes its fifos when its input closes. */
  close(): void {
    const hub = this.hub;
    if (!hub) return;
    this.hub = null;
    hub.stop();
    this.settleAll();
  }

  private started(): Started | null {
    if (this.hub || this.unavailable) return this.hub;
    let hub: Started;
    try {
      hub = this.ip.start('sh', ['-c', HUB_SCRIPT, 'sh', HUB_PROGRAM, FACTS_SCRIPT], null, { buffer: false, ownInput: true });
    } catch {
      return null;
    }
    this.hub = hub;
    this.received = '';
    this.outgoing = '';
    this.answer = [];
    hub.process.stdout?.setEncoding('utf8');
    hub.process.stdout?.on('data', (chunk: string) => {
      if (this.hub === hub) this.receive(chunk);
    });
    hub.process.stdin?.on('error', () => undefined);
    // Only complaints (awk's about a killed reader): read and dropped, or a full pipe would stall the hub.
    hub.process.stderr?.resume();
    void hub.process.then((result) => {
      if (result.exitCode === CANNOT_RUN) this.unavailable = true;
      if (this.hub === hub) {
        this.hub = null;
        this.settleAll();
      }
    });
    return hub;
  }

  private receive(chunk: string): void {
    this.received += chunk;
    for (;;) {
      const facts = this.asked.find((a) => a.facts);
      if (facts?.facts?.begun) {
        // The facts are not lines: names in them may hold newlines.
        const at = this.received.indexOf(facts.facts.mark);
        if (at < 0) return;
        const end = at + facts.facts.mark.length;
        this.settle(facts, this.received.slice(0, end));
        this.received = this.received.slice(end);
        continue;
      }
      const newline = this.received.indexOf('\n');
      if (newline < 0) return;
      const line = this.received.slice(0, newline);
      this.received = this.received.slice(newline + 1);
      if (line === 'L' && facts?.facts) facts.facts.begun = true;
      else this.line(line);
    }
  }

  private line(line: string): void {
    if (line.startsWith('[') || line.startsWith('{')) {
      this.answer.push(line);
      return;
    }
    const [kind, first, second] = line.split('\t');
    // Only the reader it names: one ended at the helper's request may have a successor by now.
    if (kind === 'E' && first !== undefined && this.live.get(first)?.tag === Number(second)) this.live.get(first)?.end(false);
    else if (kind === 'Z' || kind === 'F') {
      const asked = this.asked.find((a) => !a.facts);
      // Out of step with what was asked: nothing it says can be trusted.
      if (!asked || String(asked.id) !== first) return this.close();
      const text = kind === 'Z' && second === 'ok' ? `${this.answer.join('\n')}\n` : null;
      this.answer = [];
      // F: no reader could start (the name went or points elsewhere): the pool forgets it.
      if (kind === 'F') this.live.get(asked.name)?.end(false);
      this.settle(asked, text);
    }
  }

  private settle(asked: Asked, answer: string | null): void {
    this.asked.splice(this.asked.indexOf(asked), 1);
    asked.resolve(answer);
    this.armTimer();
  }

  /** An answer slower than the reader's limit means the hub is stuck: it goes, with every reader. */
  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = this.asked.length ? setTimeout(() => this.close(), ANSWER_TIMEOUT_MS) : null;
  }

  private settleAll(): void {
    for (const asked of this.asked.splice(0)) asked.resolve(null);
    this.armTimer();
    for (const reader of [...this.live.values()]) reader.end(false);
  }
}

class HubReader implements Reader {
  ended = false;

  constructor(
    private readonly hub: ReaderHub,
    readonly name: string,
    readonly inode: number,
    /** Tells this reader from an earlier one of the same name in the hub's E lines. */
    readonly tag: number,
    private readonly onEnd: () => void,
  ) {}

  query(lines: readonly string[]): Promise<string | null> {
    if (this.ended) return Promise.resolve(null);
    return this.hub.ask(this, lines);
  }

  /** Ends this reader; `tell` asks the hub to end it on the server (not when the hub said it ended). */
  end(tell = true): void {
    if (this.ended) return;
    this.ended = true;
    if (tell) this.hub.endReader(this.name);
    this.onEnd();
  }
}
