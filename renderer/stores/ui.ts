// View state: selection, card positions, the veth drag, toasts and dialogs.
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { XY } from '../model/graph';
import { pageHost } from '../page-host';
import { readSetting, writeSetting } from '../settings';
import { loadTheme, type ThemeChoice } from '../theme';

export type Selection = { type: 'netns'; id: string } | { type: 'iface'; namespaceId: string; ifname: string } | null;

export interface Toast {
  id: number;
  kind: 'error' | 'info' | 'success';
  title: string;
  detail?: string;
}

export interface DragState {
  namespaceId: string;
  ifname: string;
  x: number;
  y: number;
  /** The card under the pointer that would accept the drop. */
  overId: string | null;
}

/** Text sizes for a projector: 100, 125 and 150 %. */
export const TEXT_SCALES = [1, 1.25, 1.5] as const;

function loadTextScale(): number {
  const saved = Number(readSetting('text-scale'));
  return (TEXT_SCALES as readonly number[]).includes(saved) ? saved : 1;
}

/** Card places are kept per machine: a server's netns1 is not this lab's. */
const POSITIONS_KEY = ((host) => (host === null ? 'positions' : `positions@${host}`))(pageHost());

function loadPositions(): Record<string, XY> {
  try {
    return JSON.parse(readSetting(POSITIONS_KEY) ?? '{}') as Record<string, XY>;
  } catch {
    return {};
  }
}

export const useUi = defineStore('ui', () => {
  const selection = ref<Selection>(null);
  /** System, light or dark; remembered. */
  const theme = ref<ThemeChoice>(loadTheme());
  watch(theme, (value) => writeSetting('theme', value));
  /** How large the panels' text is (the graph has its own zoom); remembered. */
  const textScale = ref(loadTextScale());
  watch(textScale, (value) => writeSetting('text-scale', String(value)));
  /** Card positions by namespace label, kept across refreshes and restarts. */
  const positions = ref<Record<string, XY>>(loadPositions());
  const drag = shallowRef<DragState | null>(null);
  const toasts = ref<Toast[]>([]);
  const dialog = ref<'netns' | 'veth' | 'bridge' | 'connect' | null>(null);
  const vethDefaults = ref<{ namespace: string | null } | null>(null);
  const confirm = shallowRef<{ title: string; body: string; action: string; run: () => void; cancel?: () => void } | null>(null);
  const logOpen = ref(true);
  const highlighted = ref<string[]>([]);
  /** Bumped to ask the canvas to fit the view. */
  const fitRequests = ref(0);
  /** Bumped to ask the canvas to lay every card out afresh (ELK), then fit. */
  const arrangeRequests = ref(0);
  /** Zoomed out too far to read ports: cards show only their name (and render far less). */
  const compact = ref(false);
  const bottomTab = ref<'commands' | 'packets' | 'terminal'>('commands');
  const sideTab = ref<'inspector' | 'lessons' | 'ping'>('inspector');
  /** Asks the canvas to export itself as a picture. */
  const pictureRequest = ref<{ kind: 'png' | 'svg'; at: number } | null>(null);
  /** The menu a click on a cable opens, where it was clicked. */
  const cableMenu = ref<{ cableId: string; x: number; y: number } | null>(null);
  /** Interfaces that just carried a captured packet, by "namespaceId/ifname" → until when. */
  const pulses = ref<Record<string, number>>({});
  /** What the graph shows: a text filter, a focused namespace, and what to leave out. */
  const filterText = ref('');
  const focusId = ref<string | null>(null);
  const hideUnconnected = ref(false);
  const staleOnly = ref(false);
  const collapsed = ref<Record<string, boolean>>({});
  let pulseTimer: ReturnType<typeof setTimeout> | undefined;

  function pulse(namespaceId: string, ifname: string): void {
    pulses.value = { ...pulses.value, [`${namespaceId}/${ifname}`]: Date.now() + 600 };
    clearTimeout(pulseTimer);
    pulseTimer = setTimeout(() => {
      const now = Date.now();
      pulses.value = Object.fromEntries(Object.entries(pulses.value).filter(([, until]) => until > now));
    }, 650);
  }
  let nextToast = 1;

  watch(positions, (value) => writeSetting(POSITIONS_KEY, JSON.stringify(value)), { deep: true });

  function toast(kind: Toast['kind'], title: string, detail?: string, ms = kind === 'error' ? 9000 : 5000): void {
    const id = nextToast++;
    toasts.value.push({ id, kind, title, detail });
    if (toasts.value.length > 5) toasts.value.shift();
    setTimeout(() => dismiss(id), ms);
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  /** Asks before `run`; `cancel` runs when the user declines (Cancel, Esc, closing the dialog). */
  function ask(title: string, body: string, action: string, run: () => void, cancel?: () => void): void {
    confirm.value = { title, body, action, run, cancel };
  }

  function decline(): void {
    const asked = confirm.value;
    confirm.value = null;
    asked?.cancel?.();
  }

  return {
    selection,
    positions,
    drag,
    toasts,
    dialog,
    vethDefaults,
    confirm,
    logOpen,
    highlighted,
    textScale,
    theme,
    fitRequests,
    arrangeRequests,
    compact,
    bottomTab,
    sideTab,
    pictureRequest,
    cableMenu,
    pulses,
    filterText,
    focusId,
    hideUnconnected,
    staleOnly,
    collapsed,
    pulse,
    toast,
    dismiss,
    ask,
    decline,
  };
});
