// npm start: the desktop app when Electron's binary and a display are here;
// otherwise the same UI in web mode, said in one line, with the URL printed
// and the default browser opened when there is one. Never a stack trace.
// Electron's package is not loaded to find its binary: requiring it downloads one.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Electron's binary as its package records it, or null when it was never downloaded. */
function electronBinary() {
  const dir = `${root}node_modules/electron/`;
  try {
    const relative = readFileSync(`${dir}path.txt`, 'utf8').trim();
    const binary = `${dir}dist/${relative}`;
    accessSync(binary, constants.X_OK);
    return binary;
  } catch {
    return null;
  }
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  return null;
}

const display = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const binary = electronBinary();

if (binary && display) {
  const app = spawn(binary, [root], { stdio: 'inherit' });
  app.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const why = !binary ? "Electron's binary is not installed here" : 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)';
  process.stdout.write(`Netns Explorer: ${why}, so it runs in web mode: the same UI in your browser, with a private lab.\n`);
  const web = spawn(process.execPath, [`${root}out/web/web.mjs`, '--lab'], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: web.stdout }).on('line', (line) => {
    process.stdout.write(`${line}\n`);
    const url = /^Netns Explorer: (http:\/\/\S+)$/.exec(line)?.[1];
    const opener = url && display ? findOnPath('xdg-open') : null;
    if (opener)
      spawn(opener, [url], { stdio: 'ignore', detached: true })
        .on('error', () => undefined)
        .unref();
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => web.kill(signal));
  web.on('exit', (code) => process.exit(code ?? 0));
}
