// A shell in the lab's host namespace, as a participant would type in it:
// a terminal the helper opened, fed lines, read until an end marker.
import type { HelperHandle } from './helper';

export interface LabShell {
  /** Runs bash lines (in one `{ …; }` group); resolves to the exit code and what they printed. */
  run(script: string, timeoutMs?: number): Promise<{ code: number; output: string }>;
  close(): Promise<void>;
}

export async function openLabShell(helper: HelperHandle): Promise<LabShell> {
  const { terminalId } = await helper.client.call('terminal.open', { cols: 200, rows: 50 });
  let output = '';
  let runs = 0;
  const seen = { index: 0 };
  const collect = () => {
    for (; seen.index < helper.notifications.length; seen.index++) {
      const n = helper.notifications[seen.index];
      if (n?.method === 'terminal.data' && (n.params as { terminalId: string }).terminalId === terminalId) output += (n.params as { data: string }).data;
    }
  };
  return {
    async run(script, timeoutMs = 20_000) {
      const n = ++runs;
      collect();
      const from = output.length;
      // The marker is computed by the shell, so the echoed command line never matches it.
      await helper.client.call('terminal.write', { terminalId, data: `{\n${script}\n} 2>&1; echo "__END_$((${n}+1000))_$?"\n` });
      const marker = new RegExp(`__END_${n + 1000}_(\\d+)`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        collect();
        const m = marker.exec(output.slice(from));
        if (m) return { code: Number(m[1]), output: output.slice(from, from + m.index) };
        if (Date.now() > deadline) throw new Error(`the lab shell did not finish within ${timeoutMs} ms:\n${output.slice(from)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await helper.client.call('terminal.close', { terminalId });
    },
  };
}
