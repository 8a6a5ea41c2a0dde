// Terminal tabs: shells the helper runs inside namespaces, shown with xterm.js.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { defineStore } from 'pinia';
import { resolveColors } from '../theme';
import { markRaw, ref } from 'vue';
import { PingSpotter } from '../terminal-pings';
import { usePings } from './pings';
import { useTopology } from './topology';
import { useUi } from './ui';

export interface TerminalTab {
  id: string;
  label: string;
  namespaceId: string;
  pings: Pick<PingSpotter, 'feed'>;
  term: Terminal;
  fit: FitAddon;
  exited: number | null;
}

function theme(): Record<string, string> {
  return resolveColors({ background: '--panel-2', foreground: '--text', cursor: '--accent', selectionBackground: '--accent-soft' });
}

export const useTerminals = defineStore('terminals', () => {
  const tabs = ref<TerminalTab[]>([]);
  const activeId = ref<string | null>(null);
  /** Output that arrived before its tab existed (the shell's first prompt races the reply). */
  const early = new Map<string, string[]>();

  function onData(id: string, data: string): void {
    const tab = tabs.value.find((t) => t.id === id);
    if (!tab) {
      // Only a tab being opened right now can be early; anything else (another client's shell) is not ours.
      if (opening > 0) early.set(id, [...(early.get(id) ?? []), data]);
      return;
    }
    tab.term.write(data);
    spot(tab, data);
  }

  /** Pings typed here count for lessons, like pings from the panel. */
  function spot(tab: TerminalTab, data: string): void {
    const topology = useTopology();
    for (const ping of tab.pings.feed(data)) {
      const from = ping.namespace === null ? topology.byId(tab.namespaceId) : topology.byName(ping.namespace);
      if (from) usePings().history.push({ fromId: from.id, target: ping.target, received: ping.received });
    }
  }

  let opening = 0;

  function onExit(id: string, exitCode: number): void {
    const tab = tabs.value.find((t) => t.id === id);
    if (!tab) return;
    tab.exited = exitCode;
    tab.term.write(`\r\n\x1b[2m[shell ended, exit ${exitCode}]\x1b[0m\r\n`);
  }

  /** The view of a terminal being opened: output that arrives before its id is known is kept for it. */
  function prepare(): { term: Terminal; fit: FitAddon } {
    const term = markRaw(new Terminal({ fontFamily: "'DejaVu Sans Mono', monospace", fontSize: 13, theme: theme(), cursorBlink: true, scrollback: 5000 }));
    const fit = markRaw(new FitAddon());
    term.loadAddon(fit);
    opening++;
    return { term, fit };
  }

  function abandon(view: { term: Terminal }): void {
    opening--;
    view.term.dispose();
  }

  /** The shell the helper opened: a tab of its own, keystrokes sent through `write`. */
  function add(id: string, label: string, namespaceId: string, view: { term: Terminal; fit: FitAddon }, write: (data: string) => void): void {
    opening--;
    const tab: TerminalTab = { id, label, namespaceId, pings: markRaw(new PingSpotter()), term: view.term, fit: view.fit, exited: null };
    view.term.onData(write);
    tabs.value.push(tab);
    activeId.value = id;
    for (const data of early.get(id) ?? []) onData(id, data);
    early.clear();
    const ui = useUi();
    ui.bottomTab = 'terminal';
    ui.logOpen = true;
  }

  /** Fits the tab to its panel; the new size when it changed and the shell still runs. */
  function fit(tab: TerminalTab): { cols: number; rows: number } | null {
    const before = [tab.term.cols, tab.term.rows];
    tab.fit.fit();
    if (tab.exited !== null || (before[0] === tab.term.cols && before[1] === tab.term.rows && tab.term.cols > 0)) return null;
    return { cols: Math.max(10, tab.term.cols), rows: Math.max(4, tab.term.rows) };
  }

  function remove(id: string): void {
    const tab = tabs.value.find((t) => t.id === id);
    if (!tab) return;
    tab.term.dispose();
    tabs.value = tabs.value.filter((t) => t.id !== id);
    if (activeId.value === id) activeId.value = tabs.value.at(-1)?.id ?? null;
  }

  return { tabs, activeId, onData, onExit, prepare, abandon, add, fit, remove };
});
