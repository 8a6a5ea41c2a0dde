// Builds the parts of the app into out/: node build.mjs [helper] [web] [main] [renderer] [--quiet]
// With no part named, builds all of them. esbuild bundles the Node sides; Vite builds the renderer.
import { readFileSync } from 'node:fs';
import { build as esbuild } from 'esbuild';

const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const requested = args.filter((a) => !a.startsWith('--'));
const parts = requested.length ? requested : ['helper', 'web', 'main', 'lab', 'renderer'];
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Progress goes to stderr: `npm run --silent helper` keeps stdout for JSON-RPC.
const say = (text) => quiet || process.stderr.write(`${text}\n`);

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __NETNS_EXPLORER_VERSION__: JSON.stringify(version) },
};
// Bundled ESM still meets CommonJS dependencies that call require().
const esmBanner = { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" };

const builders = {
  helper: () => esbuild({ ...node, minifyWhitespace: true, format: 'esm', banner: esmBanner, entryPoints: ['electron/helper/main.ts'], outfile: 'out/helper/helper.mjs' }),
  web: () => esbuild({ ...node, format: 'esm', banner: esmBanner, entryPoints: ['electron/web/main.ts'], outfile: 'out/web/web.mjs' }),
  main: async () => {
    await esbuild({ ...node, format: 'cjs', external: ['electron'], entryPoints: ['electron/main/main.ts'], outfile: 'out/main/main.cjs' });
    await esbuild({ ...node, format: 'cjs', external: ['electron'], entryPoints: ['electron/preload/preload.ts'], outfile: 'out/preload/preload.cjs' });
  },
  lab: () => esbuild({ ...node, format: 'esm', banner: esmBanner, entryPoints: ['electron/cli/lab.ts'], outfile: 'out/cli/lab.mjs' }),
  // Not part of the app: `npm run bench` builds it on demand.
  bench: () => esbuild({ ...node, format: 'esm', packages: 'external', entryPoints: ['test/bench/bench.ts'], outfile: 'out/bench/bench.mjs' }),
  renderer: async () => {
    const { build } = await import('vite');
    await build({ configFile: 'vite.config.ts', logLevel: quiet ? 'warn' : 'info' });
  },
};

for (const part of parts) {
  if (!builders[part]) {
    console.error(`unknown part ${part}; known: ${Object.keys(builders).join(', ')}`);
    process.exit(2);
  }
  const started = Date.now();
  await builders[part]();
  say(`built ${part} in ${Date.now() - started} ms`);
}
