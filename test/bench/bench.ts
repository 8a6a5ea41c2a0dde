// npm run bench: what a snapshot, an event and the renderer cost at 50 and 200
// namespaces, next to the naive shell loop timed in the same run, on this machine.
// Every namespace and packet stays inside a lab this script makes.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import type { NetnsClient, TopologyChange } from '../../shared/protocol';
import { descendantsOf, labExecArgv, ROOT, startHelper, type HelperHandle } from '../support/helper';
import { connectBridge } from '../support/rpc-socket';
import { launchChromium, startWeb } from '../support/web';
import { openLabShell } from '../support/lab-shell';

const run = promisify(execFile);
const SIZES = [50, 200];
const REPEAT = 5;
const EVENTS = 100;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const log = (s: string) => process.stderr.write(`${s}\n`);

/** N namespaces, each with a veth to the host and an address on both ends. */
async function build(client: NetnsClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const ns = `b${i}`;
    await client.call('netns.create', { name: ns });
    await client.call('veth.create', { name: `vh${i}`, peerName: 'eth0', peerNamespace: ns });
    await client.call('addr.add', { namespace: ns, ifname: 'eth0', cidr: `10.${Math.floor(i / 250)}.${i % 250}.2/24` });
    if (i % 25 === 24) log(`  built ${i + 1}/${n}`);
  }
}

/** Waits until the helper has started no process for `quietMs` (a second by default): earlier events are read. Resolves to the count. */
async function settle(helper: HelperHandle, quietMs = 1000): Promise<number> {
  let last = -1;
  for (let i = 0; i < 120; i++) {
    const now = (await helper.client.call('helper.stats', {})).processesStarted;
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, quietMs));
  }
  return last;
}

async function labShell(helperPid: number, script: string): Promise<number> {
  const [cmd, ...args] = labExecArgv(helperPid, ['sh', '-c', script]);
  const started = performance.now();
  await run(cmd as string, args, { maxBuffer: 64 << 20 });
  return performance.now() - started;
}

interface EngineFigures {
  n: number;
  /** With every reader ended first: each namespace costs a new process. */
  coldSnapshotMs: number;
  /** Readers alive (the usual case while the app is open). */
  snapshotMs: number;
  /** `snapshot { reuse: true }`: the helper's current reading, kept true by events. */
  cachedSnapshotMs: number;
  shellMs: number;
  /** PSS of the helper and every process it keeps (readers, ip monitor). */
  pssMb: number;
  readers: number;
  processesPerSnapshot: number;
  processesPerEvent: number;
  /** One addr.add as the UI sends it, its ip monitor echo included. */
  processesPerClick: number;
  /** The same click as the renderer used to follow it: a full snapshot after each call. */
  processesPerClickBefore: number;
  /** Reset: deleting every namespace, one call each, as the UI's Reset does. */
  resetProcesses: number;
  p50: number;
  p95: number;
  peakRssMb: number;
  perNsMonitorsRssMb: number;
  /** A process joins a namespace (no netlink event, no reconcile) → the holders in a notification. */
  joinP50: number;
  joinP95: number;
}

const JOINS = 10;

/** A process started into a namespace from the lab's shell, the way a container joins one: when does it show as a holder? */
async function holderJoins(helper: HelperHandle, n: number): Promise<number[]> {
  const shell = await openLabShell(helper);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < JOINS; i++) {
      const ns = `b${(i * 7) % n}`;
      const since = helper.notifications.length;
      const arrived = helper.waitFor('topology', (c: TopologyChange) => c.namespaces.some((x) => x.name === ns && !!x.holders?.some((h) => h.command === 'sleep')), 10_000, since);
      const started = performance.now();
      await shell.run(`nsenter --net=/run/netns/${ns} sleep 30 & JOIN=$!`);
      await arrived;
      latencies.push(performance.now() - started);
      await shell.run('kill "$JOIN"; wait "$JOIN"');
      await helper.waitFor('topology', (c: TopologyChange) => c.namespaces.some((x) => x.name === ns && !x.holders?.length), 10_000, since);
    }
  } finally {
    await shell.close();
  }
  return latencies;
}

async function engine(n: number): Promise<EngineFigures> {
  log(`lab with ${n} namespaces…`);
  const helper: HelperHandle = await startHelper(['--lab', '--reconcile-ms=0']);
  const pid = helper.process.pid as number;
  await build(helper.client, n);
  await settle(helper);

  const snapshots: number[] = [];
  const cold: number[] = [];
  const cached: number[] = [];
  const shell: number[] = [];
  const overhead: number[] = [];
  const timed = async (params: { reuse?: boolean }) => {
    const t = performance.now();
    await helper.client.call('snapshot', params);
    return performance.now() - t;
  };
  for (let i = 0; i < REPEAT; i++) {
    endReaders(pid);
    cold.push(await timed({}));
    // A cold reading starts readers afterwards, two at a time: measure once they all run.
    for (let w = 0; w < 600 && keptMemory(pid).readers < n; w++) await new Promise((r) => setTimeout(r, 50));
    snapshots.push(await timed({}));
    cached.push(await timed({ reuse: true }));
    // The baseline runs inside the lab too; nsenter's own start-up is measured and taken off.
    overhead.push(await labShell(pid, 'true'));
    shell.push(await labShell(pid, "for ns in $(ip netns list | cut -d' ' -f1); do ip -n $ns -j addr; done >/dev/null"));
  }
  const shellMs = Math.max(0, median(shell) - median(overhead));
  const memory = keptMemory(pid);

  let before = await helper.client.call('helper.stats', {});
  await helper.client.call('snapshot', {});
  let after = await helper.client.call('helper.stats', {});
  const processesPerSnapshot = after.processesStarted - before.processesStarted;

  // Changes made by another process inside the lab, one namespace at a time.
  await settle(helper);
  const latencies: number[] = [];
  before = await helper.client.call('helper.stats', {});
  for (let i = 0; i < EVENTS; i++) {
    const ns = `b${i % n}`;
    const mtu = 1300 + (i % 2) * 100 + Math.floor(i / n);
    const since = helper.notifications.length;
    const [cmd, ...args] = labExecArgv(pid, ['ip', '-n', ns, 'link', 'set', 'dev', 'eth0', 'mtu', String(mtu)]);
    const started = performance.now();
    const arrived = helper.waitFor('topology', (c: TopologyChange) => c.namespaces.some((x) => x.name === ns && x.links.some((l) => l.ifname === 'eth0' && l.mtu === mtu)), 5000, since);
    await run(cmd as string, args);
    await arrived;
    latencies.push(performance.now() - started);
  }
  await new Promise((r) => setTimeout(r, 300));
  after = await helper.client.call('helper.stats', {});
  const processesPerEvent = (after.processesStarted - before.processesStarted) / EVENTS;

  const joins = await holderJoins(helper, n);

  // One click: an address added to a host veth, as the inspector sends it; then the old way, with a full snapshot after it.
  let count = await settle(helper, 300);
  await helper.client.call('addr.add', { ifname: 'vh0', cidr: '10.250.0.1/24' });
  const processesPerClick = (await settle(helper, 300)) - count;
  count = await settle(helper, 300);
  await helper.client.call('addr.add', { ifname: 'vh0', cidr: '10.250.1.1/24' });
  await helper.client.call('snapshot', {});
  const processesPerClickBefore = (await settle(helper, 300)) - count;

  // The alternative to nsids: one `ip monitor` per namespace. What would they weigh?
  // In a process group of their own: nsenter forks, so only killing the group ends the ip it starts.
  const monitors = Array.from({ length: n }, (_, i) => {
    const [cmd, ...args] = labExecArgv(pid, ['ip', '-n', `b${i}`, 'monitor', 'link', 'address', 'route']);
    return spawn(cmd as string, args, { stdio: 'ignore', detached: true });
  });
  await new Promise((r) => setTimeout(r, 1500));
  const monitorRss = rssOfMonitors();
  for (const m of monitors) if (m.pid) process.kill(-m.pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 500));

  // Reset, last: it empties the lab.
  count = await settle(helper, 300);
  for (let i = 0; i < n; i++) await helper.client.call('netns.delete', { name: `b${i}` });
  const resetProcesses = (await settle(helper, 300)) - count;

  await helper.close();
  return {
    n,
    processesPerClick,
    processesPerClickBefore,
    resetProcesses,
    coldSnapshotMs: median(cold),
    snapshotMs: median(snapshots),
    cachedSnapshotMs: median(cached),
    shellMs,
    pssMb: memory.pss / 2 ** 20,
    readers: memory.readers,
    processesPerSnapshot,
    processesPerEvent,
    p50: pct(latencies, 0.5),
    p95: pct(latencies, 0.95),
    peakRssMb: after.maxRssBytes / 2 ** 20,
    perNsMonitorsRssMb: monitorRss / 2 ** 20,
    joinP50: pct(joins, 0.5),
    joinP95: pct(joins, 0.95),
  };
}

const argvOf = (pid: number | string): string[] => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
};
const isReader = (argv: string[]) => argv[0] === 'ip' && argv[1] === '-n' && argv.includes('-batch') && argv.at(-2) === '-';

/** Ends the helper's readers from outside, so the next snapshot starts each anew. */
function endReaders(starter: number): void {
  for (const pid of descendantsOf(starter)) if (isReader(argvOf(pid))) process.kill(pid, 'SIGKILL');
}

/** PSS of every process below the starter (the helper, its readers, ip monitor, the lab's init), and how many readers. */
function keptMemory(starter: number): { pss: number; readers: number } {
  let pss = 0;
  let readers = 0;
  for (const pid of descendantsOf(starter)) {
    try {
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
      if (isReader(argvOf(pid))) readers++;
    } catch {
      // Gone meanwhile.
    }
  }
  return { pss, readers };
}

/** Busy jiffies of the whole machine so far (every state but idle and iowait), from /proc/stat. */
function busyJiffies(): number {
  const [, ...fields] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number) as number[];
  return (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
}

/** The machine's busy time over `ms`, as a percentage of one core (USER_HZ is 100 on Linux). */
async function busyPercent(ms: number): Promise<number> {
  const before = busyJiffies();
  await new Promise((r) => setTimeout(r, ms));
  return ((busyJiffies() - before) / (ms / 1000) / 100) * 100;
}

const IDLE_MS = 60_000;

/** An idle helper's cost at n namespaces: machine busy time with it open and untouched, minus without it. */
async function idleCost(n: number, mode: 'lab' | 'host'): Promise<{ mode: string; n: number; withPct: number; withoutPct: number }> {
  log(`idle cost in ${mode} mode at ${n} namespaces…`);
  // The default reconcile, as the app runs it; host mode inside a lab that plays the host.
  const helper = mode === 'lab' ? await startHelper(['--lab']) : await startHelper(['--host', '--inside-lab']);
  await build(helper.client, n);
  await settle(helper, 2000);
  const withHelper = await busyPercent(IDLE_MS);
  await helper.close();
  await new Promise((r) => setTimeout(r, 3000));
  const without = await busyPercent(IDLE_MS);
  return { mode, n, withPct: withHelper, withoutPct: without };
}

/** Total RSS of the `ip -n NS monitor` processes running now. */
function rssOfMonitors(): number {
  let total = 0;
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv[0] === 'ip' && argv[1] === '-n' && argv[3] === 'monitor') {
        const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${d}/status`, 'utf8'));
        total += Number(rss?.[1] ?? 0) * 1024;
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

interface UiFigures {
  n: number;
  drawnMs: number;
  panFps: number;
  dragFps: number;
  worstFrameMs: number;
}

async function renderer(n: number): Promise<UiFigures> {
  log(`renderer with ${n} namespaces…`);
  const web = await startWeb(['--lab', '--port=0']);
  const bridge = await connectBridge(web.url, web.origin);
  await build(bridge.client, n);
  bridge.close();
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(web.url);
  await page.waitForSelector('[data-ready]', { timeout: 60_000 });
  // Browser-side code is passed as text: this file is type-checked for Node, not the DOM.
  await page.waitForTimeout(100);
  const drawnMs = (await page.evaluate("performance.getEntriesByName('netns-graph-drawn')[0].startTime")) as number;
  const fps = async (gesture: () => Promise<void>) => {
    await page.evaluate(`(() => {
      window.frames_ = [];
      window.stop_ = false;
      const tick = (t) => { window.frames_.push(t); if (!window.stop_) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    await gesture();
    const frames = (await page.evaluate('(() => { window.stop_ = true; return window.frames_; })()')) as number[];
    const gaps = frames.slice(1).map((t, i) => t - (frames[i] as number));
    const duration = (frames.at(-1) as number) - (frames[0] as number);
    return { fps: ((frames.length - 1) * 1000) / duration, worst: Math.max(...gaps) };
  };
  const pane = await page.locator('.vue-flow__pane').boundingBox();
  if (!pane) throw new Error('no canvas');
  const pan = await fps(async () => {
    await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height - 60);
    await page.mouse.down();
    for (let i = 0; i < 60; i++) await page.mouse.move(pane.x + pane.width / 2 - i * 6, pane.y + pane.height - 60 - i * 3);
    await page.mouse.up();
  });
  // Zoomed out this far, cards are compact: grab one near its top-left corner.
  const card = await page.locator('[data-testid="netns"]').first().boundingBox();
  if (!card) throw new Error('no card');
  const drag = await fps(async () => {
    await page.mouse.move(card.x + 6, card.y + 4);
    await page.mouse.down();
    for (let i = 0; i < 60; i++) await page.mouse.move(card.x + 6 + i * 5, card.y + 4 + i * 2);
    await page.mouse.up();
  });
  await browser.close();
  await web.stop();
  return { n, drawnMs, panFps: pan.fps, dragFps: drag.fps, worstFrameMs: Math.max(pan.worst, drag.worst) };
}

async function main(): Promise<void> {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}`;
  const engines: EngineFigures[] = [];
  const uis: UiFigures[] = [];
  for (const n of SIZES) engines.push(await engine(n));
  const idle = [await idleCost(200, 'lab'), await idleCost(200, 'host')];
  for (const n of SIZES) uis.push(await renderer(n));
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `Measured ${date} on ${machine}.`,
    '',
    '| namespaces | shell loop | snapshot, readers alive | ratio (≤ 0.3) | cached (reuse) | ratio (≤ 0.1) | cold: every reader ended first | ratio | ip processes / snapshot (readers alive) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...engines.map(
      (e) =>
        `| ${e.n} | ${ms(e.shellMs)} | ${ms(e.snapshotMs)} | ${(e.snapshotMs / e.shellMs).toFixed(2)} | ${ms(e.cachedSnapshotMs)} | ${(e.cachedSnapshotMs / e.shellMs).toFixed(3)} | ${ms(e.coldSnapshotMs)} | ${(e.coldSnapshotMs / e.shellMs).toFixed(2)} | ${e.processesPerSnapshot} |`,
    ),
    '',
    '| namespaces | ip processes / event (≤ 2) | event latency p50 | p95 (≤ 100 ms) | helper peak RSS (≤ 100 MiB) | PSS: helper, readers, monitor (≤ 100 MiB) | readers | per-namespace monitors instead |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...engines.map(
      (e) =>
        `| ${e.n} | ${e.processesPerEvent.toFixed(2)} | ${ms(e.p50)} | ${ms(e.p95)} | ${e.peakRssMb.toFixed(0)} MiB | ${e.pssMb.toFixed(0)} MiB | ${e.readers} | ${e.n} processes, ${e.perNsMonitorsRssMb.toFixed(0)} MiB |`,
    ),
    '',
    "| mode | namespaces | machine busy, helper idle for 60 s | without it | the helper's cost (≤ 2 % of a core) |",
    '| --- | --- | --- | --- | --- |',
    ...idle.map((i) => `| ${i.mode} | ${i.n} | ${i.withPct.toFixed(2)} % | ${i.withoutPct.toFixed(2)} % | ${(i.withPct - i.withoutPct).toFixed(2)} % of one core |`),
    '',
    '| namespaces | ip processes / click (≤ 3) | the same click followed by a snapshot, as the renderer did before | Reset: ip processes in all | per namespace (constant: linear) |',
    '| --- | --- | --- | --- | --- |',
    ...engines.map((e) => `| ${e.n} | ${e.processesPerClick} | ${e.processesPerClickBefore} | ${e.resetProcesses} | ${(e.resetProcesses / e.n).toFixed(1)} |`),
    '',
    '| namespaces | a process joins a namespace → holders updated, p50 | p95 (≤ 1000 ms; no netlink event, no reconcile) |',
    '| --- | --- | --- |',
    ...engines.map((e) => `| ${e.n} | ${ms(e.joinP50)} | ${ms(e.joinP95)} |`),
    '',
    '| namespaces | page load → graph drawn (≤ 1.5 s) | panning (≥ 30 fps) | dragging a card (≥ 30 fps) | worst frame |',
    '| --- | --- | --- | --- | --- |',
    ...uis.map((u) => `| ${u.n} | ${ms(u.drawnMs)} | ${u.panFps.toFixed(0)} fps | ${u.dragFps.toFixed(0)} fps | ${ms(u.worstFrameMs)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (process.argv.includes('--write')) {
    const doc = `${ROOT}docs/performance.md`;
    const text = readFileSync(doc, 'utf8');
    const marker = '<!-- bench -->';
    const [head] = text.split(marker);
    writeFileSync(doc, `${head}${marker}\n${lines.join('\n')}\n`);
    log(`wrote ${doc}`);
  }
}

await main();
