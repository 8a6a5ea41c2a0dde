// Reading many namespaces of a remote machine in one channel: a shell script
// runs one `ip -j -d -batch -` per namespace and marks where each answer ends.
// Building the script and splitting its output are pure.
import { namespacedArgv, type NsRef } from '../ip';
import { shellQuote } from '../../../shared/shell';

/** Starts each answer; an ASCII record separator never appears in ip's JSON or messages. */
const START = '\x1e';
/** Ends each answer, followed by ip's exit status. */
const END = '\x1f';

export interface ReadItem {
  namespace: NsRef;
  /** The batch lines (`address show`, …). */
  lines: readonly string[];
}

/** One line per namespace: its queries piped into its own ip, its answer and exit status marked (stderr joins the answer). */
export function readScript(items: readonly ReadItem[]): string {
  return items
    .map(({ namespace, lines }) => {
      const ip = shellQuote(namespacedArgv('ip', ['-j', '-d', '-batch', '-'], namespace));
      return `printf '${START}\\n'; printf '%s\\n' ${shellQuote(lines)} | ${ip} 2>&1; printf '${END}%s\\n' "$?"`;
    })
    .join('\n');
}

export type ReadAnswer = { ok: true; text: string } | { ok: false; problem: string };

/** The answers in the order of the items; one cut short (the channel dropped) is missing. */
export function splitReadOutput(stdout: string): ReadAnswer[] {
  const answers: ReadAnswer[] = [];
  for (const chunk of stdout.split(`${START}\n`).slice(1)) {
    const end = chunk.lastIndexOf(END);
    if (end < 0) break;
    const text = chunk.slice(0, end);
    const status = Number(chunk.slice(end + 1).trim());
    answers.push(status === 0 ? { ok: true, text } : { ok: false, problem: text.replace(/^[[{].*$/gm, '').trim() || `ip exited with ${status}` });
  }
  return answers;
}
