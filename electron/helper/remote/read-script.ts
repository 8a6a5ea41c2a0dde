// Reading many namespaces of a remote machine in one channel: a shell script
// runs one `ip -j -d -batch -` per namespace and marks where each answer ends.
// Building the script and splitting its output are pure.
import { namespacedArgv, type IpRunner, type NsRef } from '../ip';
import { randomNonce } from './remote-view';
import { shellQuote } from '../../../shared/shell';

/**
 * Marks are a control character and a nonce chosen per reading: ip's JSON
 * escapes control characters, but its error messages quote names, and a name
 * made on the server may hold anything; a mark it cannot guess cannot be forged.
 */
const start = (nonce: string) => `\x1e${nonce}\n`;
const end = (nonce: string) => `\x1f${nonce}`;

export interface ReadItem {
  namespace: NsRef;
  /** The batch lines (`address show`, …). */
  lines: readonly string[];
}

/**
 * Per namespace: its queries on a here-document into its own ip (a pipe from
 * printf would fork a subshell each: 40 % slower), its answer and exit status
 * marked; stderr joins the answer.
 */
export function readScript(items: readonly ReadItem[], nonce: string): string {
  const delimiter = `NX_${nonce}`;
  return items
    .map(({ namespace, lines }) => {
      const ip = shellQuote(namespacedArgv('ip', ['-j', '-d', '-batch', '-'], namespace));
      return [`printf '\\036%s\\n' ${nonce}`, `${ip} 2>&1 <<'${delimiter}'`, ...lines, delimiter, `printf '\\037%s%s\\n' ${nonce} "$?"`].join('\n');
    })
    .join('\n');
}

export type ReadAnswer = { ok: true; text: string } | { ok: false; problem: string };

/** The answers in the order of the items; one cut short (the channel dropped) is missing. */
export function splitReadOutput(stdout: string, nonce: string): ReadAnswer[] {
  const answers: ReadAnswer[] = [];
  for (const chunk of stdout.split(start(nonce)).slice(1)) {
    const at = chunk.lastIndexOf(end(nonce));
    if (at < 0) break;
    const text = chunk.slice(0, at);
    const status = Number(chunk.slice(at + end(nonce).length).trim());
    answers.push(status === 0 ? { ok: true, text } : { ok: false, problem: text.replace(/^[[{].*$/gm, '').trim() || `ip exited with ${status}` });
  }
  return answers;
}

/** Reads these namespaces on a remote machine in one channel; the answers in their order. */
export async function readRemotely(ip: IpRunner, items: readonly ReadItem[]): Promise<ReadAnswer[]> {
  const nonce = randomNonce();
  const result = await ip.run('sh', ['-c', readScript(items, nonce)], { namespace: null, log: false });
  ip.counters.spawned += items.length;
  return splitReadOutput(result.stdout, nonce);
}
