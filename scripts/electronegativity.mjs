// Runs @doyensec/electronegativity over the Electron sources and the built page,
// and fails on any finding above informational that build/electronegativity-accepted.json
// does not accept with a written reason. Offline: its update checks fail harmlessly.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** The fields of one CSV line: plain, or in double quotes (which may hold commas). */
function csvFields(line) {
  return [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((m) => (m[1] ?? m[2] ?? '').replaceAll('""', '"'));
}
const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
const accepted = JSON.parse(readFileSync(join(root, 'build/electronegativity-accepted.json'), 'utf8'));
const stage = mkdtempSync(join(tmpdir(), 'electronegativity-'));
try {
  cpSync(join(root, 'electron/main'), join(stage, 'main'), { recursive: true });
  cpSync(join(root, 'electron/preload'), join(stage, 'preload'), { recursive: true });
  cpSync(join(root, 'out/renderer/index.html'), join(stage, 'index.html'));
  cpSync(join(root, 'package.json'), join(stage, 'package.json'));
  const csv = join(stage, 'report.csv');
  execFileSync(join(root, 'node_modules/.bin/electronegativity'), ['-i', stage, '-o', csv, '-e', electronVersion], { stdio: ['ignore', 'ignore', 'ignore'] });
  const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map(csvFields);
  const findings = rows.map(([issue = '', severity = '', , file = '', location = '']) => ({ issue, severity, where: `${file.replace(stage, '')}:${location}` }));
  const acceptedAs = (f) => accepted.find((a) => a.issue === f.issue && a.severity === f.severity);
  const blocking = findings.filter((f) => f.severity !== 'INFORMATIONAL' && !acceptedAs(f));
  for (const f of findings) console.log(`${blocking.includes(f) ? 'FAIL' : 'ok  '} ${f.severity.padEnd(13)} ${f.issue} ${f.where}${acceptedAs(f) ? ' (accepted, reason in build/electronegativity-accepted.json)' : ''}`);
  if (blocking.length) {
    console.error(`electronegativity: ${blocking.length} finding(s) above informational`);
    process.exitCode = 1;
  } else {
    console.log(`electronegativity: ${findings.length} finding(s), none blocking`);
  }
} finally {
  rmSync(stage, { recursive: true, force: true });
}
