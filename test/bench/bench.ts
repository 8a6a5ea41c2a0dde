// npm run bench: what a snapshot, an event and the renderer cost at 50 and 200
// namespaces, next to the naive shell loop timed in the same run, on this machine.
// Every namespace and packet stays inside a lab this script makes.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { createInterface } from 'node:readline';
import type { NetnsClient, TopologyChange } from '../../shared/protocol';
import { argvOf, endReaders, isReader, labExecArgv, PRIVATE_HOST, ROOT, startAppHelper, startHelper, type HelperHandle } from '../support/helper';
import { connectBridge } from '../support/rpc-socket';
import { launchChromium, startWeb } from '../support/web';
import { msUntilGone, openLabShell } from '../support/lab-shell';
import { overviewHostBox } from '../support/overview';
import { startSshServer } from '../support/ssh-server';
import { READER_IDLE_MS } from '../../electron/helper/readers';
import { reconcileDelay, RECONCILE_MS } from '../../electron/helper/reconcile';

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

/** The same lab as build(), as one shell loop: for large labs, where a call per step would take minutes. */
const buildScript = (n: number) =>
  `for i in $(seq 0 ${n - 1}); do ip netns add b$i && ip link add vh$i type veth peer name eth0 netns b$i && ip -n b$i addr add 10.$((i / 250)).$((i % 250)).2/24 dev eth0 && ip -n b$i link set eth0 up && ip link set vh$i up || exit 1; done`;

/**
 * Builds that lab by typing the loop into the lab's own shell (a terminal of
 * the helper's), so the namespaces belong to the lab's user namespace as if a
 * participant made them. Resolves to how long the loop took.
 */
async function buildInLab(source: { client: NetnsClient }, n: number): Promise<number> {
  const shell = await openLabShell(source);
  const started = performance.now();
  const { code, output } = await shell.run(buildScript(n), 600_000);
  const took = performance.now() - started;
  await shell.close();
  if (code !== 0) throw new Error(`building the lab failed:\n${output.slice(-2000)}`);
  return took;
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

async function labShell(helper: Pick<HelperHandle, 'lab'>, script: string): Promise<number> {
  const [cmd, ...args] = labExecArgv(helper.lab(), ['sh', '-c', script]);
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
  /** From starting the outside `ip` (two nsenters and ip itself) to the notification. */
  p50: number;
  p95: number;
  /** From the kernel's event (as another `ip monitor` in the lab heard it) to the notification. */
  fromEventP50: number;
  fromEventP95: number;
  peakRssMb: number;
  perNsMonitorsRssMb: number;
  /** A process joins a namespace (no netlink event, no reconcile) → the holders in a notification. */
  joinP50: number;
  joinP95: number;
  gone: DeletionFigures;
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

const DELETIONS = 10;

interface DeletionFigures {
  /** `ip netns delete` from a shell → the namespace's veth gone, with a reader inside. */
  deleted: number[];
  /** The same with every reader ended just before: the kernel's own time. */
  deletedBare: number[];
  /** The name deleted while a process held the namespace; that process exits → the veth gone. */
  holderExit: number[];
  holderExitBare: number[];
  /** Namespaces made outside that the event path had not given a reader within 2 s, so a snapshot was asked for. */
  readersAskedFor: number;
}

const readerIn = (helper: HelperHandle, name: string) => helper.pids().some((pid) => isReader(argvOf(pid)) && argvOf(pid).includes(name));

/**
 * A namespace deleted by anyone, or whose last holder exits, must lose its
 * veth as fast as it would without the helper: timed in the lab's shell with
 * a reader inside, and with every reader ended first.
 */
async function deletions(helper: HelperHandle): Promise<DeletionFigures> {
  const shell = await openLabShell(helper);
  const figures: DeletionFigures = { deleted: [], deletedBare: [], holderExit: [], holderExitBare: [], readersAskedFor: 0 };
  try {
    // With readers first, while the lab's readers all run; then with every reader ended before each step.
    for (const bare of [false, true]) {
      for (let i = 0; i < DELETIONS; i++) {
        const [del, held] = [`del${i}${bare ? 'b' : ''}`, `held${i}${bare ? 'b' : ''}`];
        await shell.run(`ip netns add ${del} && ip link add v${del} type veth peer name eth0 netns ${del} && ip netns add ${held} && ip link add v${held} type veth peer name eth0 netns ${held}`);
        // The event that made each gets it read, and so a reader; failing that, a reading, as a click would ask for.
        const both = () => readerIn(helper, del) && readerIn(helper, held);
        for (let w = 0; w < 40 && !both(); w++) await new Promise((r) => setTimeout(r, 50));
        if (!both()) {
          figures.readersAskedFor++;
          await helper.client.call('snapshot', {});
        }
        for (let w = 0; w < 200 && !both(); w++) await new Promise((r) => setTimeout(r, 50));
        if (bare) endReaders(helper);
        else if (!readerIn(helper, del) || !readerIn(helper, held)) throw new Error(`no reader started in ${del} and ${held}`);
        (bare ? figures.deletedBare : figures.deleted).push(await msUntilGone(shell, `ip netns delete ${del}`, `v${del}`));
        if (bare) endReaders(helper);
        await shell.run(`ip netns exec ${held} sleep 1000 & HELD=$!; while [ "$(cat /proc/$HELD/comm)" != sleep ]; do :; done; ip netns delete ${held}`);
        // Its name went: inotify ends the reader inside.
        await new Promise((r) => setTimeout(r, 200));
        (bare ? figures.holderExitBare : figures.holderExit).push(await msUntilGone(shell, 'kill "$HELD"; wait "$HELD" 2>/dev/null; true', `v${held}`));
      }
    }
  } finally {
    await shell.close();
  }
  return figures;
}

async function engine(n: number): Promise<EngineFigures> {
  log(`lab with ${n} namespaces…`);
  const helper: HelperHandle = await startAppHelper(['--lab', '--reconcile-ms=0']);
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
    endReaders(helper);
    cold.push(await timed({}));
    // A cold reading starts readers afterwards, two at a time: measure once they all run.
    for (let w = 0; w < 600 && keptMemory(helper).readers < n; w++) await new Promise((r) => setTimeout(r, 50));
    snapshots.push(await timed({}));
    cached.push(await timed({ reuse: true }));
    // The baseline runs inside the lab too; nsenter's own start-up is measured and taken off.
    overhead.push(await labShell(helper, 'true'));
    shell.push(await labShell(helper, "for ns in $(ip netns list | cut -d' ' -f1); do ip -n $ns -j addr; done >/dev/null"));
  }
  const shellMs = Math.max(0, median(shell) - median(overhead));
  const memory = keptMemory(helper);

  let before = await helper.client.call('helper.stats', {});
  await helper.client.call('snapshot', {});
  let after = await helper.client.call('helper.stats', {});
  const processesPerSnapshot = after.processesStarted - before.processesStarted;

  // Changes made by another process inside the lab, one namespace at a time. A monitor of the bench's own
  // stamps when the kernel made each change, so the outside process's own start-up can be told apart.
  const [monitorCmd, ...monitorArgs] = labExecArgv(helper.lab(), ['ip', '-o', 'monitor', 'all-nsid', 'link']);
  const kernelMonitor = spawn(monitorCmd as string, monitorArgs, { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  const heard: { line: string; at: number }[] = [];
  createInterface({ input: kernelMonitor.stdout }).on('line', (line) => heard.push({ line, at: performance.now() }));
  await new Promise((r) => setTimeout(r, 1000));
  await settle(helper);
  const latencies: number[] = [];
  const fromEvent: number[] = [];
  before = await helper.client.call('helper.stats', {});
  for (let i = 0; i < EVENTS; i++) {
    const ns = `b${i % n}`;
    const mtu = 1300 + (i % 2) * 100 + Math.floor(i / n);
    const since = helper.notifications.length;
    const [cmd, ...args] = labExecArgv(helper.lab(), ['ip', '-n', ns, 'link', 'set', 'dev', 'eth0', 'mtu', String(mtu)]);
    const started = performance.now();
    const arrived = helper.waitFor('topology', (c: TopologyChange) => c.namespaces.some((x) => x.name === ns && x.links.some((l) => l.ifname === 'eth0' && l.mtu === mtu)), 5000, since);
    await run(cmd as string, args);
    await arrived;
    const now = performance.now();
    latencies.push(now - started);
    const event = heard.find((h) => h.at >= started && h.line.includes(' eth0@') && h.line.includes(` mtu ${mtu} `));
    if (!event) throw new Error(`the bench's own monitor did not hear the change to mtu ${mtu} in ${ns}`);
    fromEvent.push(now - event.at);
  }
  if (kernelMonitor.pid) process.kill(-kernelMonitor.pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  after = await helper.client.call('helper.stats', {});
  const processesPerEvent = (after.processesStarted - before.processesStarted) / EVENTS;

  const joins = await holderJoins(helper, n);
  const gone = await deletions(helper);
  if (gone.readersAskedFor) log(`  deletion rows: ${gone.readersAskedFor} of ${2 * DELETIONS} pairs had no reader from their events within 2 s; a snapshot started them`);
  // Its last steps ended every reader: the rows after it count with readers alive, as before.
  await helper.client.call('snapshot', {});
  for (let w = 0; w < 600 && keptMemory(helper).readers < n; w++) await new Promise((r) => setTimeout(r, 50));

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
    const [cmd, ...args] = labExecArgv(helper.lab(), ['ip', '-n', `b${i}`, 'monitor', 'link', 'address', 'route']);
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
    fromEventP50: pct(fromEvent, 0.5),
    fromEventP95: pct(fromEvent, 0.95),
    peakRssMb: after.maxRssBytes / 2 ** 20,
    perNsMonitorsRssMb: monitorRss / 2 ** 20,
    joinP50: pct(joins, 0.5),
    joinP95: pct(joins, 0.95),
    gone,
  };
}

const SCALE_SIZES = [50, 200, 1000];

interface ScaleFigures {
  n: number;
  buildMs: number;
  shellMs: number;
  snapshotMs: number;
  coldSnapshotMs: number;
  processesWarm: number;
  processesCold: number;
  readers: number;
  pssMb: number;
  peakRssMb: number;
}

/** How a snapshot, its processes and the helper's memory grow with the lab, up to 1,000 namespaces. */
async function scale(n: number): Promise<ScaleFigures> {
  log(`scale: ${n} namespaces…`);
  const helper = await startAppHelper(['--lab', '--reconcile-ms=0']);
  const buildMs = await buildInLab(helper, n);
  await settle(helper);
  const processes = async (work: () => Promise<number>) => {
    const before = (await helper.client.call('helper.stats', {})).processesStarted;
    const took = await work();
    return { took, processes: (await helper.client.call('helper.stats', {})).processesStarted - before };
  };
  const timed = async () => {
    const t = performance.now();
    await helper.client.call('snapshot', {});
    return performance.now() - t;
  };
  const cold: { took: number; processes: number }[] = [];
  const warm: { took: number; processes: number }[] = [];
  const shell: number[] = [];
  const overhead: number[] = [];
  for (let i = 0; i < 3; i++) {
    endReaders(helper);
    cold.push(await processes(timed));
    // Readers start after a cold reading, two at a time, up to the cap.
    let last = -1;
    for (let w = 0; w < 1200; w++) {
      const now = keptMemory(helper).readers;
      if (now === last && w > 10) break;
      last = now;
      await new Promise((r) => setTimeout(r, 250));
    }
    await settle(helper, 300);
    warm.push(await processes(timed));
    overhead.push(await labShell(helper, 'true'));
    shell.push(await labShell(helper, "for ns in $(ip netns list | cut -d' ' -f1); do ip -n $ns -j addr; done >/dev/null"));
  }
  const memory = keptMemory(helper);
  const stats = await helper.client.call('helper.stats', {});
  await helper.close();
  const mid = <T extends { took: number }>(xs: T[]) => [...xs].sort((a, b) => a.took - b.took)[1] as T;
  return {
    n,
    buildMs,
    shellMs: Math.max(0, median(shell) - median(overhead)),
    snapshotMs: mid(warm).took,
    coldSnapshotMs: mid(cold).took,
    processesWarm: mid(warm).processes,
    processesCold: mid(cold).processes,
    readers: memory.readers,
    pssMb: memory.pss / 2 ** 20,
    peakRssMb: stats.maxRssBytes / 2 ** 20,
  };
}

/** PSS of every process of the helper's (hop 1's holder, hop 2's unshare, the lab's init, the helper, its readers, ip monitor), and how many readers. */
function keptMemory(helper: Pick<HelperHandle, 'pids'>): { pss: number; readers: number } {
  let pss = 0;
  let readers = 0;
  for (const pid of helper.pids()) {
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

/** A process's utime, stime, cutime and cstime in jiffies: the fields after the command's closing parenthesis, from the 12th. */
function cpuTimes(pid: number): number[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .slice(11, 15)
    .map(Number);
}

/** CPU jiffies of every process of the helper's, reaped children included (they move into their parent's cutime/cstime). */
function treeJiffies(helper: Pick<HelperHandle, 'pids'>): number {
  let total = 0;
  for (const pid of helper.pids()) {
    try {
      total += cpuTimes(pid).reduce((sum, t) => sum + t, 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/** CPU jiffies of one process alone. */
function ownJiffies(pid: number): number {
  const [user = 0, system = 0] = cpuTimes(pid);
  return user + system;
}

interface Busy {
  machine: number;
  /** The machine's pid 1: on this VM an agent whose cost grows with every process it sees. */
  init: number;
  tree: number;
}

/** The machine's busy time over `ms`, pid 1's, and that of every process of a helper's, each as a percentage of one core (USER_HZ is 100 on Linux). */
async function busyPercent(ms: number, tree?: Pick<HelperHandle, 'pids'>): Promise<Busy> {
  const before = { machine: busyJiffies(), init: ownJiffies(1), tree: tree ? treeJiffies(tree) : 0 };
  await new Promise((r) => setTimeout(r, ms));
  const share = (jiffies: number) => (jiffies / (ms / 1000) / 100) * 100;
  return { machine: share(busyJiffies() - before.machine), init: share(ownJiffies(1) - before.init), tree: tree ? share(treeJiffies(tree) - before.tree) : 0 };
}

const IDLE_MS = 60_000;

/** An idle helper's cost at n namespaces: machine busy time with it open and untouched, minus without it. */
interface IdleFigures {
  mode: string;
  n: number;
  with: Busy;
  without: Busy;
  /** Readers alive while it was measured. */
  readers: number;
  /** One full reading with no reader (what the reconcile costs once they ended): CPU of the helper and its processes, and the reconcile's period then. */
  reconcileCpuMs: number;
  reconcileEveryMs: number;
}

async function idleCost(n: number, mode: 'lab' | 'host'): Promise<IdleFigures> {
  log(`idle cost in ${mode} mode at ${n} namespaces…`);
  // The default reconcile and reader idle time, as the app runs them; host mode inside a lab that plays the host.
  const helper = mode === 'lab' ? await startAppHelper(['--lab']) : await startAppHelper(['--host', '--inside-lab']);
  await buildInLab(helper, n);
  // Until the readings that followed the build are over, and the readers they started have ended: an app left alone keeps none.
  await settle(helper, 5000);
  for (let waited = 0; waited < READER_IDLE_MS + 60_000 && keptMemory(helper).readers > 0; waited += 1000) await new Promise((r) => setTimeout(r, 1000));
  const readers = keptMemory(helper).readers;
  // The reconcile scheduled while readers were alive comes within its least period, and reads every namespace cold: past it,
  // the window measures the time between reconciles, whose own cost is measured below and spread over their period.
  const started = (await helper.client.call('helper.stats', {})).processesStarted;
  for (let waited = 0; waited < RECONCILE_MS + 10_000; waited += 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    if ((await helper.client.call('helper.stats', {})).processesStarted - started >= n / 2) break;
  }
  await settle(helper, 3000);
  const withHelper = await busyPercent(IDLE_MS, helper);
  // What each reconcile costs now: a full reading with no reader, one process per namespace.
  const before = treeJiffies(helper);
  await helper.client.call('snapshot', {});
  const reconcileCpuMs = (treeJiffies(helper) - before) * 10;
  const { lastFullSnapshotMs } = await helper.client.call('helper.stats', {});
  await helper.close();
  await new Promise((r) => setTimeout(r, 3000));
  const without = await busyPercent(IDLE_MS);
  return { mode, n, with: withHelper, without, readers, reconcileCpuMs, reconcileEveryMs: reconcileDelay(RECONCILE_MS, lastFullSnapshotMs, false) };
}

/**
 * The control for the idle rows: the same namespaces and one idle
 * `ip -n NAME -batch -` in each (what the helper's readers are), with no
 * helper, in a private network namespace. What merely keeping a process per
 * namespace costs this machine (its process supervisor, if any, included).
 */
async function idleProcessesCost(n: number): Promise<Busy> {
  log(`idle cost of ${n} namespaces with an idle ip in each, no helper…`);
  const script = ['mkfifo /run/hold && exec 3<>/run/hold', buildScript(n), `for i in $(seq 0 ${n - 1}); do ip -n b$i -batch - <&3 & done`, 'echo ready; wait'].join('\n');
  const control = spawn(PRIVATE_HOST[0] as string, [...PRIVATE_HOST.slice(1), 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  await new Promise<void>((resolve, reject) => {
    control.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    control.on('exit', (code) => reject(new Error(`the control lab ended (${code})`)));
  });
  await new Promise((r) => setTimeout(r, 2000));
  const busy = await busyPercent(IDLE_MS);
  process.kill(-(control.pid as number), 'SIGKILL');
  await new Promise((r) => setTimeout(r, 3000));
  return busy;
}

/** Total RSS of the `ip -n NS monitor` processes running now. */
function rssOfMonitors(): number {
  let total = 0;
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const argv = argvOf(d);
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
  await buildInLab(bridge, n);
  // Until the helper's reading holds every namespace with its address.
  for (let i = 0; i < 600; i++) {
    const { namespaces } = await bridge.client.call('snapshot', { reuse: true });
    if (namespaces.filter((x) => x.links.some((l) => l.addresses.length)).length >= n) break;
    await new Promise((r) => setTimeout(r, 250));
  }
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
  // Past a few hundred namespaces the fitted view is the overview, with no card to grab: zoom in to one, as a person would.
  if (await page.locator('[data-testid="overview"]').count()) {
    // The pan took the host's card out of view: fit first.
    await page.keyboard.press('f');
    await page.waitForTimeout(800);
    const host = await overviewHostBox(page);
    await page.mouse.click(host.x, host.y);
    await page.locator('[data-testid="overview"]').waitFor({ state: 'detached' });
    await page.waitForTimeout(500);
  }
  // Zoomed out, cards are compact: grab one near its top-left corner.
  const card = await page
    .locator('[data-testid="netns"]')
    .first()
    .boundingBox({ timeout: 10_000 })
    .catch(() => null);
  if (!card) {
    log(`  no card on the canvas at ${n} namespaces: the drag is not measured`);
    await browser.close();
    await web.stop();
    return { n, drawnMs, panFps: pan.fps, dragFps: Number.NaN, worstFrameMs: pan.worst };
  }
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

interface RemoteFigures {
  n: number;
  /** Through the readers on the server. */
  remoteMs: number;
  /** The first reading, before any reader. */
  remoteColdMs: number;
  localWarmMs: number;
  localColdMs: number;
  p50: number;
  p95: number;
}

/**
 * A server's namespaces read over SSH on loopback-like links (a veth between
 * two private namespaces), against a helper run on the server itself in the
 * same run; and changes made on the server, until their notification.
 */
async function remote(n: number): Promise<RemoteFigures> {
  log(`remote: ${n} namespaces over SSH…`);
  const server = await startSshServer();
  try {
    server.exec([
      'sh',
      '-c',
      `for i in $(seq 0 ${n - 1}); do ip netns add b$i && ip link add vh$i type veth peer name eth0 netns b$i && ip -n b$i addr add 10.$((i / 250)).$((i % 250)).2/24 dev eth0 && ip -n b$i link set eth0 up && ip link set vh$i up || exit 1; done`,
    ]);
    const timed = async (helper: HelperHandle) => {
      const t = performance.now();
      await helper.client.call('snapshot', {});
      return performance.now() - t;
    };
    const local = await startHelper(['--host', '--reconcile-ms=0'], {}, server.hostWrap);
    const localWarm: number[] = [];
    const localCold: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      endReaders(local);
      localCold.push(await timed(local));
      for (let w = 0; w < 200 && keptMemory(local).readers < n; w++) await new Promise((r) => setTimeout(r, 50));
      localWarm.push(await timed(local));
    }
    await local.close();
    const helper = await startHelper(['--ssh=server', `--ssh-config=${server.configFile}`, '--reconcile-ms=0'], { SSH_AUTH_SOCK: '' }, server.clientWrap);
    const remoteWarm: number[] = [];
    const remoteCold: number[] = [];
    const serverReaders = () => server.processes('-force -j -d -batch -').length;
    for (let i = 0; i < REPEAT; i++) {
      // Ending the hub (its awk) ends every reader on the server: the next reading is cold.
      for (const pid of server.processes('sentinel=link show dev')) process.kill(pid, 'SIGKILL');
      for (let w = 0; w < 100 && serverReaders() > 0; w++) await new Promise((r) => setTimeout(r, 50));
      remoteCold.push(await timed(helper));
      // One reader per namespace, the server's own included.
      for (let w = 0; w < 400 && serverReaders() < n + 1; w++) await new Promise((r) => setTimeout(r, 50));
      remoteWarm.push(await timed(helper));
    }
    await settle(helper, 500);
    const latencies: number[] = [];
    for (let i = 0; i < EVENTS / 2; i++) {
      const ns = `b${i % n}`;
      const mtu = 1300 + (i % 2) * 100 + Math.floor(i / n);
      const since = helper.notifications.length;
      const arrived = helper.waitFor('topology', (c: TopologyChange) => c.namespaces.some((x) => x.name === ns && x.links.some((l) => l.ifname === 'eth0' && l.mtu === mtu)), 5000, since);
      const started = performance.now();
      server.exec(['ip', '-n', ns, 'link', 'set', 'dev', 'eth0', 'mtu', String(mtu)]);
      await arrived;
      latencies.push(performance.now() - started);
    }
    await helper.close();
    return { n, remoteMs: median(remoteWarm), remoteColdMs: median(remoteCold), localWarmMs: median(localWarm), localColdMs: median(localCold), p50: pct(latencies, 0.5), p95: pct(latencies, 0.95) };
  } finally {
    server.stop();
  }
}

async function main(): Promise<void> {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}`;
  const engines: EngineFigures[] = [];
  const uis: UiFigures[] = [];
  // --only=engine,idle,scale,ui,remote runs those parts alone (while working on one); --write needs them all.
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const runs = (part: string) => !only || only.includes(part);
  if (only && process.argv.includes('--write')) throw new Error('--write needs every part: leave out --only');
  if (runs('engine')) for (const n of SIZES) engines.push(await engine(n));
  const idle = runs('idle') ? [await idleCost(200, 'lab'), await idleCost(200, 'host')] : [];
  const idleControl = runs('idle') ? await idleProcessesCost(200) : null;
  const init = readFileSync('/proc/1/comm', 'utf8').trim();
  const scales: ScaleFigures[] = [];
  if (runs('scale')) for (const n of SCALE_SIZES) scales.push(await scale(n));
  if (runs('ui')) for (const n of [...SIZES, SCALE_SIZES.at(-1) as number]) uis.push(await renderer(n));
  const remotes = runs('remote') ? [await remote(50)] : [];
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
    '| namespaces | ip processes / event (≤ 2) | change in the kernel → notification, p50 | p95 (≤ 100 ms) | outside command started → notification, p50 | p95 | helper peak RSS (≤ 100 MiB) | PSS: every process of the helper, readers, monitor (≤ 100 MiB) | readers | per-namespace monitors instead |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...engines.map(
      (e) =>
        `| ${e.n} | ${e.processesPerEvent.toFixed(2)} | ${ms(e.fromEventP50)} | ${ms(e.fromEventP95)} | ${ms(e.p50)} | ${ms(e.p95)} | ${e.peakRssMb.toFixed(0)} MiB | ${e.pssMb.toFixed(0)} MiB | ${e.readers} | ${e.n} processes, ${e.perNsMonitorsRssMb.toFixed(0)} MiB |`,
    ),
    '',
    `| mode | namespaces | readers alive | machine busy, helper idle for 60 s between reconciles, minus without | of which pid 1 (${init}) | the rest | the helper's own processes | a reconcile without readers: CPU, every | amortized | the rest + amortized (≤ 2 % of a core) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...idle.map((i) => {
      const delta = i.with.machine - i.without.machine;
      const init = i.with.init - i.without.init;
      const amortized = (i.reconcileCpuMs / i.reconcileEveryMs) * 100;
      return `| ${i.mode} | ${i.n} | ${i.readers} | ${delta.toFixed(2)} % | ${init.toFixed(2)} % | ${(delta - init).toFixed(2)} % | ${i.with.tree.toFixed(2)} % | ${i.reconcileCpuMs.toFixed(0)} ms, ${(i.reconcileEveryMs / 1000).toFixed(0)} s | ${amortized.toFixed(2)} % | ${(delta - init + amortized).toFixed(2)} % |`;
    }),
    ...(idleControl && idle[0]
      ? [
          `| control: no helper, an idle \`ip -n bN -batch -\` in each namespace | ${idle[0].n} | ${idle[0].n} | ${(idleControl.machine - idle[0].without.machine).toFixed(2)} % | ${(idleControl.init - idle[0].without.init).toFixed(2)} % | ${(idleControl.machine - idleControl.init - idle[0].without.machine + idle[0].without.init).toFixed(2)} % | — | — | — | — |`,
        ]
      : []),
    '',
    '| namespaces | ip processes / click (≤ 3) | the same click followed by a snapshot, as the renderer did before | Reset: ip processes in all | per namespace (constant: linear) |',
    '| --- | --- | --- | --- | --- |',
    ...engines.map((e) => `| ${e.n} | ${e.processesPerClick} | ${e.processesPerClickBefore} | ${e.resetProcesses} | ${(e.resetProcesses / e.n).toFixed(1)} |`),
    '',
    '| namespaces | a process joins a namespace → holders updated, p50 | p95 (≤ 1000 ms; no netlink event, no reconcile) |',
    '| --- | --- | --- |',
    ...engines.map((e) => `| ${e.n} | ${ms(e.joinP50)} | ${ms(e.joinP95)} |`),
    '',
    '| namespaces | `ip netns delete` from a shell → its veth gone, a reader inside: p50 | p95 (≤ 100 ms) | no reader: p50 | p95 | its last holder exits → veth gone, p50 | p95 (≤ 100 ms) | no reader: p50 | p95 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...engines.map(
      ({ n, gone: g }) =>
        `| ${n} | ${ms(pct(g.deleted, 0.5))} | ${ms(pct(g.deleted, 0.95))} | ${ms(pct(g.deletedBare, 0.5))} | ${ms(pct(g.deletedBare, 0.95))} | ${ms(pct(g.holderExit, 0.5))} | ${ms(pct(g.holderExit, 0.95))} | ${ms(pct(g.holderExitBare, 0.5))} | ${ms(pct(g.holderExitBare, 0.95))} |`,
    ),
    '',
    '| namespaces | built by a shell loop in | shell loop | snapshot, readers alive | per namespace | cold: every reader ended first | per namespace | ip processes / snapshot, readers alive | cold | readers (cap 256) | PSS: every process of the helper, readers, monitor | helper peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...scales.map(
      (x) =>
        `| ${x.n} | ${(x.buildMs / 1000).toFixed(1)} s | ${ms(x.shellMs)} | ${ms(x.snapshotMs)} | ${(x.snapshotMs / x.n).toFixed(2)} ms | ${ms(x.coldSnapshotMs)} | ${(x.coldSnapshotMs / x.n).toFixed(2)} ms | ${x.processesWarm} | ${x.processesCold} | ${x.readers} | ${x.pssMb.toFixed(0)} MiB | ${x.peakRssMb.toFixed(0)} MiB |`,
    ),
    '',
    '| namespaces | page load → graph drawn (≤ 1.5 s; ≤ 3 s at 1,000) | panning (≥ 30 fps) | dragging a card (≥ 30 fps) | worst frame |',
    '| --- | --- | --- | --- | --- |',
    ...uis.map((u) => `| ${u.n} | ${ms(u.drawnMs)} | ${u.panFps.toFixed(0)} fps | ${Number.isNaN(u.dragFps) ? 'no card drawn' : `${u.dragFps.toFixed(0)} fps`} | ${ms(u.worstFrameMs)} |`),
    '',
    '| namespaces on the server | snapshot over SSH, readers alive | the same helper run on the server, readers alive | ratio (≤ 2) | over SSH, cold | run on the server, cold | ratio | change on the server → notification, p50 | p95 (≤ 300 ms) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...remotes.map(
      (r) =>
        `| ${r.n} | ${ms(r.remoteMs)} | ${ms(r.localWarmMs)} | ${(r.remoteMs / r.localWarmMs).toFixed(2)} | ${ms(r.remoteColdMs)} | ${ms(r.localColdMs)} | ${(r.remoteColdMs / r.localColdMs).toFixed(2)} | ${ms(r.p50)} | ${ms(r.p95)} |`,
    ),
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
