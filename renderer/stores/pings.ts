// The ping panel's session: replies as they arrive, then the summary.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PingRecord } from '../../shared/lesson';
import type { PingDone, PingReply } from '../../shared/protocol';
import { useUi } from './ui';

export interface PingLine {
  kind: 'reply' | 'message';
  text: string;
}

export const usePings = defineStore('pings', () => {
  const pingId = ref<string | null>(null);
  const from = ref<string | null>(null);
  const target = ref('');
  const lines = ref<PingLine[]>([]);
  const done = ref<PingDone | null>(null);
  const path = ref<string[]>([]);
  /** Every ping the app saw finish, for lesson checks. */
  const history = ref<PingRecord[]>([]);
  const running = computed(() => pingId.value !== null && done.value === null);
  let flashTimer: ReturnType<typeof setTimeout> | undefined;
  /** Notifications that beat ping.start's reply; replayed once the id is known. */
  let early: (() => void)[] = [];
  const mine = (id: string, replay: () => void): boolean => {
    if (pingId.value === null && early.length < 50) early.push(replay);
    return id === pingId.value;
  };

  function onReply(reply: PingReply): void {
    if (!mine(reply.pingId, () => onReply(reply))) return;
    lines.value.push({ kind: 'reply', text: `${reply.timeMs.toFixed(3)} ms  from ${reply.from}  seq=${reply.seq} ttl=${reply.ttl}` });
    // Cables on the path glow while replies keep coming.
    const ui = useUi();
    ui.highlighted = path.value;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => (ui.highlighted = []), 1500);
  }

  function onMessage(id: string, text: string): void {
    if (mine(id, () => onMessage(id, text))) lines.value.push({ kind: 'message', text });
  }

  function onDone(result: PingDone): void {
    if (!mine(result.pingId, () => onDone(result))) return;
    done.value = result;
    if (from.value) history.value.push({ fromId: from.value, target: target.value, received: result.received });
  }

  /** A new ping from `namespaceId`: earlier output goes, and the cables on its way are known. */
  function begin(namespaceId: string, address: string, cables: string[]): void {
    lines.value = [];
    done.value = null;
    pingId.value = null;
    early = [];
    from.value = namespaceId;
    target.value = address;
    path.value = cables;
  }

  /** The helper's id for it: output that came before the id is replayed. */
  function started(id: string): void {
    pingId.value = id;
    for (const replay of early.splice(0)) replay();
  }

  /** Forgets the last ping's output (its lab is gone); the history lessons count stays. */
  function clear(): void {
    lines.value = [];
    done.value = null;
    pingId.value = null;
    path.value = [];
  }

  function failed(): void {
    pingId.value = null;
    early = [];
  }

  return { pingId, from, target, lines, done, running, path, history, begin, started, failed, clear, onReply, onMessage, onDone };
});
