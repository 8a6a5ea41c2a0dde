// The kernel's state as the helper pushes it. The graph changes only when the
// helper reports the new state (renderer/request.ts sends the edits).
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { Namespace } from '../../shared/model';
import type { HelperConnection, HelperInfo, HelperStatus, TopologyChange } from '../../shared/protocol';
import { GraphCache } from '../model/graph';
import { useUi } from './ui';

function sameAs(previous: Namespace | undefined, next: Namespace): Namespace {
  return previous && JSON.stringify(previous) === JSON.stringify(next) ? previous : next;
}

export const useTopology = defineStore('topology', () => {
  const byIdMap = shallowRef(new Map<string, Namespace>());
  const loaded = ref(false);
  const busy = ref(0);
  const status = ref<HelperStatus>({ state: 'starting', mode: 'lab' });
  const info = ref<HelperInfo | null>(null);
  /** A remote helper's link to its host (helper.connection); null for this machine. */
  const connection = ref<HelperConnection | null>(null);

  const namespaces = computed(() => [...byIdMap.value.values()]);
  const views = new GraphCache();
  const graph = computed(() => views.build(namespaces.value));
  const root = computed(() => namespaces.value.find((n) => n.root));
  /** Nothing built yet: only the host namespace with nothing but lo. */
  const pristine = computed(() => loaded.value && namespaces.value.length === 1 && (root.value?.links.every((l) => l.kind === 'loopback') ?? false));

  const byId = (id: string) => byIdMap.value.get(id);
  const byName = (name: string | null) => namespaces.value.find((n) => (name === null ? n.root : n.name === name));

  /** Takes a full reading, keeping the objects of namespaces that did not change so their cards do not re-render. */
  function replaceAll(list: readonly Namespace[]): void {
    const old = byIdMap.value;
    byIdMap.value = new Map(list.map((n) => [n.id, sameAs(old.get(n.id), n)]));
    loaded.value = true;
  }

  function applyChange(change: TopologyChange): void {
    const map = byIdMap.value;
    for (const id of change.removed) map.delete(id);
    for (const ns of change.namespaces) map.set(ns.id, ns);
    triggerRef(byIdMap);
    const ui = useUi();
    const sel = ui.selection;
    if (sel && !map.has(sel.type === 'netns' ? sel.id : sel.namespaceId)) ui.selection = null;
  }

  return { namespaces, graph, root, pristine, loaded, busy, status, info, connection, byId, byName, replaceAll, applyChange };
});
