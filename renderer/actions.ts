// What the user can do, as RPC calls. Every one goes through request(), so it
// shows in the command log, its error is handled once, and a host-mode call the
// helper finds risky is confirmed there. A namespace is always named the same
// way, by the id its card carries (namespaceId, peerNamespaceId, toId).
import type { Namespace } from '../shared/model';
import { namespaceLabel, owningHolder } from '../shared/model';
import { alreadyDone, callsOf } from '../shared/lesson';
import type { HelperMode, Impairment, MethodParams } from '../shared/protocol';
import { cablesOnPath, ownerOfAddress } from './model/graph';
import { deletionConsequences } from './model/failures';
import { canonicalDestination } from '../shared/ssh-destination';
import { hostTabUrl } from './client';
import { pageHost } from './page-host';
import { rememberHost } from './recent-hosts';
import { request } from './request';
import { terminalInput } from './terminal-input';
import { useCaptures } from './stores/captures';
import { useLessons } from './stores/lessons';
import { useExplain } from './stores/explain';
import { usePings } from './stores/pings';
import { useTerminals, type TerminalTab } from './stores/terminals';
import { useTopology } from './stores/topology';
import { useUi } from './stores/ui';

const label = (ns: Namespace | undefined) => (ns ? namespaceLabel(ns) : 'the namespace');

/** The reading under way, which a second ask joins: at start both the page and the helper's "ready" ask, and 1,000 namespaces cost seconds to take in twice. */
let reading: Promise<boolean> | null = null;

/** Takes a full reading: at start, after a reconnect, and when the user asks (R). */
export async function refresh(): Promise<void> {
  // A reading that failed (the helper was not ready yet) is no answer to a later ask: that one reads again.
  while (reading) if (await reading) return;
  reading = readAll().finally(() => (reading = null));
  await reading;
}

/** Whether it got a reading. */
async function readAll(): Promise<boolean> {
  const topology = useTopology();
  const first = !topology.loaded;
  const read = await request('snapshot', first ? { reuse: true } : {}, 'Could not read the topology', { quietIfUnavailable: true });
  if (!read) return false;
  if (first) performance.mark('netns-snapshot-received');
  topology.replaceAll(read.namespaces);
  return true;
}

export async function loadInfo(): Promise<void> {
  const info = await request('helper.info', {}, 'Could not ask the helper about itself', { quiet: true });
  useTopology().info = info ?? null;
  // A host goes on the recent list once it answered, so a typo never does.
  const host = pageHost();
  if (info?.remote && host) rememberHost(host);
}

/** Tabs this page opened, by host: asking again brings one forward instead of opening another. */
const hostTabs = new Map<string, Window>();

/**
 * Opens a remote host beside this one: the desktop app opens (or raises) its
 * window; a web page opens a tab, synchronously, so the browser sees the
 * click that asked for it.
 */
export function openHost(destination: string): boolean {
  const name = canonicalDestination(destination);
  if (name === null) return false;
  if (window.netnsExplorer) {
    void request('app.openHost', { destination: name }, `Could not open ${name}`);
    return true;
  }
  const open = hostTabs.get(name);
  if (open && !open.closed) {
    open.focus();
    return true;
  }
  const tab = window.open(hostTabUrl(name), '_blank');
  if (!tab) {
    useUi().toast('error', `Could not open a tab for ${name}`, 'The browser blocked it: allow pop-ups for this page, then try again.');
    return false;
  }
  hostTabs.set(name, tab);
  return true;
}

export async function createNamespace(name: string): Promise<boolean> {
  const created = await request('netns.create', { name }, `Could not create namespace ${name}`);
  if (created) useUi().selection = { type: 'netns', id: created.id };
  return created !== undefined;
}

/** A namespace held by a process of the helper's, the way a container's is. */
export async function spawnNamespace(): Promise<boolean> {
  const spawned = await request('netns.spawn', {}, 'Could not start a process namespace');
  if (spawned) useUi().selection = { type: 'netns', id: spawned.namespaceId };
  return spawned !== undefined;
}

export async function nameNamespace(ns: Namespace, pid: number, name: string): Promise<boolean> {
  return (await request('netns.attach', { pid, name }, `Could not name ${label(ns)}`)) !== undefined;
}

/** Asks before deleting a namespace, saying what goes with it (its cable ends, the bridge ports they were). */
export function askDeleteNamespace(id: string): void {
  const topology = useTopology();
  const ns = topology.byId(id);
  if (!ns || ns.root) return;
  // A container's namespace: the helper refuses with what it would cost and how to stop the container instead, and that is the question asked.
  if (ns.name && owningHolder(ns.holders)) {
    void deleteNamespace(id);
    return;
  }
  const how = ns.name ? 'Pings and captures running inside it are stopped.' : 'Its holding process is stopped.';
  useUi().ask(`Delete namespace ${label(ns)}?`, `${deletionConsequences(ns, topology.namespaces)} ${how}`, 'Delete namespace', () => void deleteNamespace(id));
}

export async function deleteNamespace(id: string): Promise<void> {
  const ns = useTopology().byId(id);
  if (!ns || ns.root) return;
  const result = await request('netns.delete', { namespaceId: id }, `Could not delete ${label(ns)}`);
  if (result?.stillHeldBy.length) {
    useUi().toast('info', `Deleted the name of ${label(ns)}`, `The namespace lives on, held by ${result.stillHeldBy.join(', ')}; its interfaces and cables stay.`, 12000);
  } else if (result) {
    const peers = result.removedPeers.length ? ` The kernel also removed the cable ends ${result.removedPeers.join(', ')}.` : '';
    useUi().toast('info', `Deleted ${label(ns)}`, `Its interfaces went with it.${peers}`);
  }
}

export async function createVeth(name: string, peerName: string, namespaceId: string, peerNamespaceId: string): Promise<boolean> {
  return (await request('veth.create', { name, peerName, namespaceId, peerNamespaceId }, `Could not create the veth pair ${name}/${peerName}`)) !== undefined;
}

export async function createBridge(namespaceId: string, name: string): Promise<boolean> {
  return (await request('bridge.create', { namespaceId, name }, `Could not create bridge ${name}`)) !== undefined;
}

/** Moves an interface and says plainly what the kernel did to it on the way. */
export async function moveInterface(fromId: string, ifname: string, toId: string): Promise<void> {
  const ui = useUi();
  const to = useTopology().byId(toId);
  if (!to || fromId === toId) return;
  const moved = await request('link.move', { namespaceId: fromId, ifname, toId }, `Could not move ${ifname} to ${label(to)}`);
  if (!moved) return;
  const lost: string[] = [];
  if (moved.droppedAddresses.length) lost.push(`dropped its address${moved.droppedAddresses.length > 1 ? 'es' : ''} ${moved.droppedAddresses.join(', ')}`);
  if (moved.wasUp) lost.push('took it down');
  const detail = lost.length ? `The kernel ${lost.join(' and ')}: an interface arrives in a new namespace bare and down.` : 'It arrives down and without addresses, as every moved interface does.';
  ui.toast('info', `${moved.ifname} is now in ${label(to)}`, detail, 8000);
  ui.selection = { type: 'iface', namespaceId: toId, ifname: moved.ifname };
}

export async function setUp(namespaceId: string, ifname: string, up: boolean): Promise<void> {
  await request('link.set', { namespaceId, ifname, up }, `Could not bring ${ifname} ${up ? 'up' : 'down'}`);
}

export async function setMtu(namespaceId: string, ifname: string, mtu: number): Promise<void> {
  await request('link.set', { namespaceId, ifname, mtu }, `Could not set the MTU of ${ifname}`);
}

export async function renameInterface(namespaceId: string, ifname: string, rename: string): Promise<void> {
  if (await request('link.set', { namespaceId, ifname, rename }, `Could not rename ${ifname}`)) useUi().selection = { type: 'iface', namespaceId, ifname: rename };
}

export async function setMaster(namespaceId: string, ifname: string, master: string | null): Promise<void> {
  await request('link.setMaster', { namespaceId, ifname, master }, master ? `Could not attach ${ifname} to ${master}` : `Could not detach ${ifname}`);
}

export async function addAddress(namespaceId: string, ifname: string, cidr: string): Promise<boolean> {
  return (await request('addr.add', { namespaceId, ifname, cidr }, `Could not add ${cidr} to ${ifname}`)) !== undefined;
}

export async function removeAddress(namespaceId: string, ifname: string, cidr: string): Promise<void> {
  await request('addr.del', { namespaceId, ifname, cidr }, `Could not remove ${cidr} from ${ifname}`);
}

export async function addRoute(namespaceId: string, to: string, via: string, dev: string): Promise<boolean> {
  const route = { namespaceId, to, ...(via ? { via } : {}), ...(dev ? { dev } : {}) };
  return (await request('route.add', route, `Could not add the route to ${to}`)) !== undefined;
}

export async function removeRoute(namespaceId: string, to: string, via: string | null, dev: string | null): Promise<void> {
  await request('route.del', { namespaceId, to, ...(via ? { via } : {}), ...(dev ? { dev } : {}) }, `Could not remove the route to ${to}`);
}

export async function deleteInterface(namespaceId: string, ifname: string): Promise<void> {
  if (await request('link.delete', { namespaceId, ifname }, `Could not delete ${ifname}`)) useUi().selection = { type: 'netns', id: namespaceId };
}

export async function impair(namespaceId: string, ifname: string, impairment: Impairment): Promise<void> {
  await request('netem.set', { namespaceId, ifname, ...impairment }, `Could not impair ${ifname}`);
}

export async function clearImpairment(namespaceId: string, ifname: string): Promise<boolean> {
  return (await request('netem.clear', { namespaceId, ifname }, `Could not clear ${ifname}`)) !== undefined;
}

/** Starts a ping from a namespace; the cables on its way glow while replies come. */
export async function startPing(namespaceId: string, target: string, count: number, intervalMs = 1000): Promise<void> {
  const topology = useTopology();
  const pings = usePings();
  if (!topology.byId(namespaceId)) return;
  const owner = ownerOfAddress(topology.namespaces, target);
  pings.begin(namespaceId, target, owner ? cablesOnPath(topology.graph.cables, namespaceId, owner.id) : []);
  const started = await request('ping.start', { namespaceId, target, count, intervalMs }, 'Ping did not start');
  if (started) pings.started(started.pingId);
  else pings.failed();
}

export async function stopPing(): Promise<void> {
  const pings = usePings();
  if (pings.pingId && !pings.done) await request('ping.stop', { pingId: pings.pingId }, 'Could not stop the ping');
}

export async function startCapture(namespaceId: string, ifname: string, filter: string): Promise<boolean> {
  const ns = useTopology().byId(namespaceId);
  if (!ns) return false;
  const started = await request('capture.start', { namespaceId, ifname, ...(filter ? { filter } : {}) }, `Could not capture on ${ifname}`);
  if (started) useCaptures().add(started.captureId, namespaceId, ifname, `${namespaceLabel(ns)}/${ifname}`, filter);
  return started !== undefined;
}

export async function stopCapture(captureId: string): Promise<void> {
  await request('capture.stop', { captureId }, 'Could not stop the capture');
}

export async function saveCapture(captureId: string, path: string): Promise<void> {
  const saved = await request('capture.save', { captureId, path }, 'Could not save the capture');
  if (saved) useUi().toast('success', 'Capture saved', `${saved.path} — open it with Wireshark or tcpdump -r.`);
}

export async function openInWireshark(captureId: string): Promise<void> {
  await request('capture.wireshark', { captureId }, 'Could not open Wireshark');
}

/** Where captures are saved by default: the helper's answer. */
export async function defaultSaveDir(): Promise<string | null> {
  return (await request('helper.info', {}, 'Could not ask the helper where to save'))?.saveDir ?? null;
}

export async function openTerminal(namespaceId: string): Promise<void> {
  const ns = useTopology().byId(namespaceId);
  if (!ns) return;
  const terminals = useTerminals();
  const view = terminals.prepare();
  const opened = await request('terminal.open', { namespaceId, cols: 100, rows: 12 }, 'Could not open a terminal');
  if (!opened) return terminals.abandon(view);
  const { terminalId } = opened;
  terminals.add(terminalId, namespaceLabel(ns), namespaceId, view, terminalInput(terminalId));
}

export async function resizeTerminal(tab: TerminalTab): Promise<void> {
  const size = useTerminals().fit(tab);
  if (size) await request('terminal.resize', { terminalId: tab.id, ...size }, 'Could not resize the terminal', { quiet: true });
}

export async function closeTerminal(id: string): Promise<void> {
  const terminals = useTerminals();
  const tab = terminals.tabs.find((t) => t.id === id);
  if (tab && tab.exited === null) await request('terminal.close', { terminalId: id }, 'Could not close the terminal', { quiet: true });
  terminals.remove(id);
}

/** Restarts the helper in the other mode (Electron only); says why when it cannot. */
export async function switchMode(mode: HelperMode): Promise<boolean> {
  const switched = await request('app.setMode', { mode }, `Still in ${mode === 'host' ? 'lab' : 'host'} mode`);
  if (switched) useUi().positions = {};
  return switched !== undefined;
}

/** Opens a lesson: its steps follow the lab from now, and the cards are arranged afresh. */
export function startLesson(id: string): void {
  useLessons().start(id);
  useUi().arrangeRequests++;
}

/** Runs a lesson step's calls, each visible in the command log; pings go through the Ping panel. */
export async function doLessonStep(index: number): Promise<void> {
  const lessons = useLessons();
  const step = lessons.current?.steps[index];
  if (!step || lessons.running) return;
  lessons.running = true;
  const topology = useTopology();
  try {
    for (const { method, params } of callsOf(step)) {
      // What the learner already did by hand is not done again (it would only fail with "File exists").
      if (alreadyDone(method, params as Record<string, unknown>, { namespaces: topology.namespaces })) continue;
      if (method === 'ping.start') {
        const p = params as MethodParams['ping.start'];
        const from = topology.byName(p.namespace ?? null);
        if (from) await startPing(from.id, p.target, p.count ?? 3, p.intervalMs ?? 1000);
        continue;
      }
      if ((await request(method, params, `“${step.title}” could not finish`)) === undefined) return;
    }
  } finally {
    lessons.running = false;
  }
}

/**
 * The article's walkthrough in one go: netns1, the pair veth0/veth1, veth1 into
 * netns1, 10.1.1.1/24 and 10.1.1.2/24, both up. Stops at the first failure.
 */
export async function buildArticleExample(): Promise<void> {
  const steps: (() => Promise<unknown>)[] = [
    () => request('netns.create', { name: 'netns1' }, 'Could not create netns1'),
    () => request('veth.create', { name: 'veth0', peerName: 'veth1' }, 'Could not create veth0/veth1'),
    () => request('link.move', { ifname: 'veth1', to: 'netns1' }, 'Could not move veth1'),
    () => request('addr.add', { namespace: 'netns1', ifname: 'veth1', cidr: '10.1.1.1/24' }, 'Could not address veth1'),
    () => request('addr.add', { ifname: 'veth0', cidr: '10.1.1.2/24' }, 'Could not address veth0'),
    () => request('link.set', { namespace: 'netns1', ifname: 'veth1', up: true }, 'Could not bring veth1 up'),
    () => request('link.set', { ifname: 'veth0', up: true }, 'Could not bring veth0 up'),
  ];
  for (const step of steps) if ((await step()) === undefined) return;
  useUi().toast('success', 'The article’s example is ready', 'host/veth0 (10.1.1.2) ↔ netns1/veth1 (10.1.1.1). Try a ping from the panel on the right.');
}

/** A name not yet taken, like netns2 or veth3. */
export function nextFreeName(prefix: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let i = 0; ; i++) if (!used.has(`${prefix}${i}`) && (prefix !== 'netns' || i > 0)) return `${prefix}${i}`;
}

/** Asks the helper why a ping from `namespaceId` to `target` gets (or would get) no reply, and shows the answer. */
export async function explainPath(namespaceId: string, target: string): Promise<void> {
  const explain = useExplain();
  const ui = useUi();
  explain.question = { namespaceId, target };
  explain.result = null;
  explain.busy = 'explaining';
  ui.sideTab = 'inspector';
  const result = await request('path.explain', { namespaceId, target }, `Could not follow the path to ${target}`);
  if (explain.question?.namespaceId !== namespaceId || explain.question.target !== target) return;
  explain.result = result ?? null;
  explain.busy = null;
  if (!result) return;
  const topology = useTopology();
  const ids = [...result.hops.map((h) => h.namespaceId)];
  ui.highlighted = ids.slice(1).flatMap((id, i) => cablesOnPath(topology.graph.cables, ids[i] as string, id));
}

/** Runs the explained problem's repair through the usual calls, then pings again to show it worked. */
export async function fixPath(): Promise<void> {
  const explain = useExplain();
  const question = explain.question;
  const problem = explain.result?.problem;
  if (!question || !problem?.actions.length) return;
  explain.busy = 'fixing';
  for (const action of problem.actions) {
    const done = await request(action.method, action.params as MethodParams[typeof action.method], 'The repair did not go through');
    if (done === undefined) {
      explain.busy = null;
      return;
    }
  }
  await startPing(question.namespaceId, question.target, 3);
  await explainPath(question.namespaceId, question.target);
}

/** Puts shell lines on the clipboard, or shows them when there is no clipboard. */
export async function copyText(text: string, what = 'Copied as shell commands'): Promise<void> {
  const ui = useUi();
  try {
    await navigator.clipboard.writeText(text);
    ui.toast('success', what);
  } catch {
    ui.toast('error', 'The clipboard is not available here', text);
  }
}
