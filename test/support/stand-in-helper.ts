// A stand-in for the helper, for what starts, routes and stops helpers (the
// Electron main process, the web bridge's hosts): a real child process that
// says it is ready, answers every call with the arguments it was started
// with, and sends one protocol notification and one stray one first.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function standInHelper(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'netns-explorer-stand-in-')), 'helper.mjs');
  writeFileSync(
    path,
    `import { createInterface } from 'node:readline';
process.stderr.write('ready (' + process.argv[2] + ')\\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'command', params: { argv: [m.method] } }) + '\\n');
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'not.a.notification', params: {} }) + '\\n');
  const more = process.argv.slice(3);
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { mode: process.argv[2], ...(more.length ? { more } : {}) } }) + '\\n');
});
process.stdin.on('end', () => process.exit(0));
`,
  );
  return path;
}
