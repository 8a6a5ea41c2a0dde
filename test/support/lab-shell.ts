// A shell in the lab's host namespace, as a participant would type in it:
// a terminal the helper opened, fed lines, read until an end marker.
import type { NetnsClient } from '../../shared/protocol';

export interface LabShell {
  /** Runs bash lines (in one `{ …; }` group); resolves to the exit code and what they printed. */
  run(script: string, timeoutMs?: number): Promise<{ code: number; output: string }>;
  close(): Promise<void>;
}

/** Opens the shell through any client of the helper: its own stdio, or the web bridge. */
export async function openLabShell({ client }: { client: NetnsClient }): Promise<LabShell> {
  let output = '';
  let runs = 0;
  let id: string | null = null;
  // Subscribed before opening, so no output is missed.
  const stop = client.on('terminal.data', (p) => {
    if (p.terminalId === id) output += p.data;
  });
  const { terminalId } = await client.call('terminal.open', { cols: 200, rows: 50 });
  id = terminalId;
  return {
    async run(script, timeoutMs = 20_000) {
      const n = ++runs;
      const from = output.length;
      // The marker is computed by the shell, so the echoed command line never matches it.
      await client.call('terminal.write', { terminalId, data: `{\n${script}\n} 2>&1; echo "__END_$((${n}+1000))_$?"\n` });
      const marker = new RegExp(`__END_${n + 1000}_(\\d+)`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = marker.exec(output.slice(from));
        if (m) return { code: Number(m[1]), output: output.slice(from, from + m.index) };
        if (Date.now() > deadline) throw new Error(`the lab shell did not finish within ${timeoutMs} ms:\n${output.slice(from)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      stop();
      await client.call('terminal.close', { terminalId });
    },
  };
}

/** Runs `first` in the shell, then times until the link `hostEnd` is gone, in the shell itself (ms): no round trip to this process counts. */
export async function msUntilGone(shell: LabShell, first: string, hostEnd: string): Promise<number> {
  const { output, code } = await shell.run(
    `${first}; t0=$(date +%s%N); n=0; while ip link show ${hostEnd} >/dev/null 2>&1 && [ $n -lt 20000 ]; do n=$((n+1)); done; echo "gone-after $(( ($(date +%s%N) - t0) / 1000 ))us"`,
  );
  if (code !== 0) throw new Error(`timing the end of ${hostEnd} failed:\n${output.slice(-500)}`);
  return Number(/gone-after (\d+)us/.exec(output)?.[1]) / 1000;
}
