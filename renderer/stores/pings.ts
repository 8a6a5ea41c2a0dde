// The ping panel's session: replies as they arrive, then the summary.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PingRecord } from '../../shared/lesson';
import type { PingDone, PingReply } from '../../shared/protocol';
import { RpcError } from '../../shared/protocol';
import { useClient } from '../client/current';
import { cablesOnPath, ownerOfAddress } from '../graph/model';
import { useTopology } from './topology';
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

  async function start(namespaceId: string, address: string, count: number, intervalMs = 1000): Promise<void> {
    const topology = useTopology();
    const ns = topology.byId(namespaceId);
    if (!ns) return;
    lines.value = [];
    done.value = null;
    pingId.value = null;
    early = [];
    from.value = namespaceId;
    target.value = address;
    const owner = ownerOfAddress(topology.namespaces, address);
    path.value = owner ? cablesOnPath(topology.graph.cables, namespaceId, owner.id) : [];
    try {
      const result = await useClient().call('ping.start', { ...topology.whereOf(ns.id), target: address, count, intervalMs });
      pingId.value = result.pingId;
      for (const replay of early.splice(0)) replay();
    } catch (error) {
      pingId.value = null;
      useUi().toast('error', 'Ping did not start', error instanceof RpcError ? error.message : String(error));
    }
  }

  async function stop(): Promise<void> {
    if (!pingId.value || done.value) return;
    try {
      await useClient().call('ping.stop', { pingId: pingId.value });
    } catch (error) {
      useUi().toast('error', 'Could not stop the ping', error instanceof Error ? error.message : String(error));
    }
  }

  return { pingId, from, target, lines, done, running, path, history, start, stop, onReply, onMessage, onDone };
});
