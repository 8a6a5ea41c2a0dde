// Runs @doyensec/electronegativity over the Electron sources and the built page,
// and fails on any finding above informational that build/electronegativity-accepted.json
// does not accept, at that severity, with a written reason. Offline: its update checks fail harmlessly.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
// Its programmatic API returns the findings with their severity (its CSV writer mangles some rows).
const electronegativity = require('@doyensec/electronegativity');
const electronVersion = require('electron/package.json').version;
const accepted = JSON.parse(readFileSync(join(root, 'build/electronegativity-accepted.json'), 'utf8'));

const stage = mkdtempSync(join(tmpdir(), 'electronegativity-'));
try {
  cpSync(join(root, 'electron/main'), join(stage, 'main'), { recursive: true });
  cpSync(join(root, 'electron/preload'), join(stage, 'preload'), { recursive: true });
  cpSync(join(root, 'out/renderer/index.html'), join(stage, 'index.html'));
  cpSync(join(root, 'package.json'), join(stage, 'package.json'));
  const log = console.log;
  console.log = () => undefined; // it chats about translations and release checks it cannot reach
  let report;
  try {
    report = await electronegativity({ input: stage, electronVersionOverride: electronVersion }, false);
  } finally {
    console.log = log;
  }
  const findings = report.issues.map((i) => ({ issue: i.id, severity: i.severity.name, where: `${i.file.replace(stage, '')}:${i.location.line}:${i.location.column}` }));
  const acceptedAs = (f) => accepted.find((a) => a.issue === f.issue && a.severity === f.severity);
  const blocking = findings.filter((f) => f.severity !== 'INFORMATIONAL' && !acceptedAs(f));
  for (const f of findings)
    console.log(`${blocking.includes(f) ? 'FAIL' : 'ok  '} ${f.severity.padEnd(13)} ${f.issue} ${f.where}${acceptedAs(f) ? ' (accepted, reason in build/electronegativity-accepted.json)' : ''}`);
  if (report.errors?.length) console.log(`electronegativity: ${report.errors.length} file(s) it could not parse: ${report.errors.map((e) => e.file).join(', ')}`);
  if (blocking.length) {
    console.error(`electronegativity: ${blocking.length} finding(s) above informational`);
    process.exitCode = 1;
  } else {
    console.log(`electronegativity: ${findings.length} finding(s), none blocking`);
  }
} finally {
  rmSync(stage, { recursive: true, force: true });
}
