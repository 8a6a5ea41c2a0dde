// Terminal tabs: shells the helper runs inside namespaces, shown with xterm.js.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { defineStore } from 'pinia';
import { markRaw, ref } from 'vue';
import { namespaceLabel } from '../../shared/model';
import { RpcError } from '../../shared/protocol';
import { useClient } from '../client/current';
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
  const css = getComputedStyle(document.body);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return { background: v('--panel-2'), foreground: v('--text'), cursor: v('--accent'), selectionBackground: v('--accent-soft') };
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

  async function open(namespaceId: string): Promise<void> {
    const topology = useTopology();
    const ns = topology.byId(namespaceId);
    if (!ns) return;
    const term = markRaw(new Terminal({ fontFamily: "'DejaVu Sans Mono', monospace", fontSize: 13, theme: theme(), cursorBlink: true, scrollback: 5000 }));
    const fit = markRaw(new FitAddon());
    term.loadAddon(fit);
    opening++;
    try {
      const { terminalId } = await useClient().call('terminal.open', { ...topology.whereOf(namespaceId), cols: 100, rows: 12 });
      const tab: TerminalTab = { id: terminalId, label: namespaceLabel(ns), namespaceId, pings: markRaw(new PingSpotter()), term, fit, exited: null };
      term.onData((data) => void useClient().call('terminal.write', { terminalId, data }).catch(() => undefined));
      tabs.value.push(tab);
      activeId.value = terminalId;
      for (const data of early.get(terminalId) ?? []) onData(terminalId, data);
      early.clear();
      const ui = useUi();
      ui.bottomTab = 'terminal';
      ui.logOpen = true;
    } catch (error) {
      term.dispose();
      useUi().toast('error', 'Could not open a terminal', error instanceof RpcError ? error.message : String(error));
    } finally {
      opening--;
    }
  }

  async function resize(tab: TerminalTab): Promise<void> {
    const before = [tab.term.cols, tab.term.rows];
    tab.fit.fit();
    if (tab.exited !== null || (before[0] === tab.term.cols && before[1] === tab.term.rows && tab.term.cols > 0)) return;
    await useClient().call('terminal.resize', { terminalId: tab.id, cols: Math.max(10, tab.term.cols), rows: Math.max(4, tab.term.rows) }).catch(() => undefined);
  }

  async function close(id: string): Promise<void> {
    const tab = tabs.value.find((t) => t.id === id);
    if (!tab) return;
    if (tab.exited === null) await useClient().call('terminal.close', { terminalId: id }).catch(() => undefined);
    tab.term.dispose();
    tabs.value = tabs.value.filter((t) => t.id !== id);
    if (activeId.value === id) activeId.value = tabs.value.at(-1)?.id ?? null;
  }

  return { tabs, activeId, onData, onExit, open, resize, close };
});
