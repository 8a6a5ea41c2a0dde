// Captures: packets as they arrive, per capture, until cleared.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CaptureDone, CapturePacket } from '../../shared/protocol';
import { useUi } from './ui';

/** Packets kept per capture in the list; the pcap keeps them all. */
const KEEP = 5000;

export interface CaptureView {
  id: string;
  namespaceId: string;
  ifname: string;
  label: string;
  filter: string;
  packets: CapturePacket[];
  total: number;
  done: CaptureDone | null;
}

export const useCaptures = defineStore('captures', () => {
  const list = ref<CaptureView[]>([]);
  const selectedId = ref<string | null>(null);
  const selected = computed(() => list.value.find((c) => c.id === selectedId.value) ?? list.value.at(-1) ?? null);
  const running = computed(() => list.value.filter((c) => !c.done));

  function onPacket(packet: CapturePacket): void {
    const capture = list.value.find((c) => c.id === packet.captureId);
    if (!capture) return;
    capture.total++;
    capture.packets.push(packet);
    if (capture.packets.length > KEEP) capture.packets.splice(0, capture.packets.length - KEEP);
    useUi().pulse(capture.namespaceId, capture.ifname);
  }

  function onDone(done: CaptureDone): void {
    const capture = list.value.find((c) => c.id === done.captureId);
    if (!capture) return;
    capture.done = done;
    if (done.reason !== 'stopped') useUi().toast('info', `Capture on ${capture.label} ended`, `${done.reason} (${done.packets} packets).`);
  }

  /** A capture the helper has started: its packets are listed, and the packets tab comes forward. */
  function add(id: string, namespaceId: string, ifname: string, label: string, filter: string): void {
    list.value.push({ id, namespaceId, ifname, label, filter, packets: [], total: 0, done: null });
    selectedId.value = id;
    const ui = useUi();
    ui.bottomTab = 'packets';
    ui.logOpen = true;
  }

  function clear(id: string): void {
    const capture = list.value.find((c) => c.id === id);
    if (capture) capture.packets = [];
  }

  function remove(id: string): void {
    list.value = list.value.filter((c) => c.id !== id || !c.done);
    if (selectedId.value === id) selectedId.value = null;
  }

  return { list, selected, selectedId, running, onPacket, onDone, add, clear, remove };
});
