// Captures: packets as they arrive, per capture, until cleared.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { namespaceLabel } from '../../shared/model';
import { RpcError, type CaptureDone, type CapturePacket } from '../../shared/protocol';
import { useClient } from '../client/current';
import { useTopology } from './topology';
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

  async function start(namespaceId: string, ifname: string, filter: string): Promise<boolean> {
    const topology = useTopology();
    const ns = topology.byId(namespaceId);
    if (!ns) return false;
    try {
      const { captureId } = await useClient().call('capture.start', { ...topology.whereOf(namespaceId), ifname, ...(filter ? { filter } : {}) });
      list.value.push({ id: captureId, namespaceId, ifname, label: `${namespaceLabel(ns)}/${ifname}`, filter, packets: [], total: 0, done: null });
      selectedId.value = captureId;
      const ui = useUi();
      ui.bottomTab = 'packets';
      ui.logOpen = true;
      return true;
    } catch (error) {
      useUi().toast('error', `Could not capture on ${ifname}`, error instanceof RpcError ? error.message : String(error));
      return false;
    }
  }

  async function stop(id: string): Promise<void> {
    try {
      await useClient().call('capture.stop', { captureId: id });
    } catch (error) {
      useUi().toast('error', 'Could not stop the capture', error instanceof Error ? error.message : String(error));
    }
  }

  async function save(id: string, path: string): Promise<void> {
    try {
      const result = await useClient().call('capture.save', { captureId: id, path });
      useUi().toast('success', 'Capture saved', `${result.path} — open it with Wireshark or tcpdump -r.`);
    } catch (error) {
      useUi().toast('error', 'Could not save the capture', error instanceof Error ? error.message : String(error));
    }
  }

  async function wireshark(id: string): Promise<void> {
    try {
      await useClient().call('capture.wireshark', { captureId: id });
    } catch (error) {
      useUi().toast('error', 'Could not open Wireshark', error instanceof Error ? error.message : String(error));
    }
  }

  function clear(id: string): void {
    const capture = list.value.find((c) => c.id === id);
    if (capture) capture.packets = [];
  }

  function remove(id: string): void {
    list.value = list.value.filter((c) => c.id !== id || !c.done);
    if (selectedId.value === id) selectedId.value = null;
  }

  return { list, selected, selectedId, running, onPacket, onDone, start, stop, save, wireshark, clear, remove };
});
