// Pings typed in a terminal, spotted in its output, so lesson checks tick
// for them as for pings started from the panel. Pure.

export interface SpottedPing {
  /** The namespace the ping ran in: a name from `ip netns exec NAME` / `ip -n NAME exec`, or null for the shell's own. */
  namespace: string | null;
  target: string;
  received: number;
}

// Terminal escape sequences (colours, bracketed paste, cursor moves) are not text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-B]/g;
const COMMAND = /(?:^|[\s$#>]\s*)(?:ip\s+netns\s+exec\s+(\S+)\s+|ip\s+-n\s+(\S+)\s+exec\s+)?ping\b(?:\s+-\S+(?:\s+\d+(?:\.\d+)?)?)*\s+(\S+)\s*$/;

export class PingSpotter {
  private buffer = '';
  private pending: { namespace: string | null; target: string } | null = null;

  /** Feeds terminal output; returns the pings that finished in it. */
  feed(output: string): SpottedPing[] {
    this.buffer += output.replace(ANSI, '');
    const lines = this.buffer.split(/\r?\n|\r(?!\n)/);
    this.buffer = lines.pop() ?? '';
    const done: SpottedPing[] = [];
    for (const line of lines) {
      const command = COMMAND.exec(line);
      if (command) {
        this.pending = { namespace: command[1] ?? command[2] ?? null, target: command[3] as string };
        continue;
      }
      if (!this.pending) continue;
      const stats = /(\d+) packets transmitted, (\d+) received/.exec(line);
      if (stats) {
        done.push({ ...this.pending, received: Number(stats[2]) });
        this.pending = null;
      } else if (/^(?:ping: )?connect: Network is unreachable/.test(line.trim())) {
        done.push({ ...this.pending, received: 0 });
        this.pending = null;
      }
    }
    return done;
  }
}
