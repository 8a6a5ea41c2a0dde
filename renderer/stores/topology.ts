// The kernel's state as the helper pushes it, and every edit as a request to
// the helper. The graph changes only when the helper reports the new state:
// a call's own topology notification arrives before its reply.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { Namespace } from '../../shared/model';
import { ErrorCode, RpcError, type RiskErrorData, type HelperInfo, type HelperStatus, type MethodName, type MethodParams, type MethodResult, type TopologyChange } from '../../shared/protocol';
import { useClient } from '../client/current';
import { GraphCache } from '../graph/model';
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

  const namespaces = computed(() => [...byIdMap.value.values()]);
  const views = new GraphCache();
  const graph = computed(() => views.build(namespaces.value));
  const root = computed(() => namespaces.value.find((n) => n.root));
  /** Nothing built yet: only the host namespace with nothing but lo. */
  const pristine = computed(() => loaded.value && namespaces.value.length === 1 && (root.value?.links.every((l) => l.kind === 'loopback') ?? false));

  const byId = (id: string) => byIdMap.value.get(id);
  const byName = (name: string | null) => namespaces.value.find((n) => (name === null ? n.root : n.name === name));
  /** How a call names a namespace: by name (null for the helper's own), or by id when it has no name. */
  const whereOf = (id: string): { namespace: string | null } | { namespaceId: string } => {
    const ns = byId(id);
    if (!ns || ns.root) return { namespace: null };
    return ns.name !== null && !ns.nameNeedsId ? { namespace: ns.name } : { namespaceId: ns.id };
  };

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

  /** Reads the topology; the first time from the helper's last reading, which its events keep current. */
  async function refresh(): Promise<void> {
    try {
      const { namespaces: list } = await useClient().call('snapshot', loaded.value ? {} : { reuse: true });
      if (!loaded.value) performance.mark('netns-snapshot-received');
      replaceAll(list);
    } catch (error) {
      useUi().toast('error', 'Could not read the topology', error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * Sends one change; errors become a toast with ip's own message. When the
   * helper refuses a host-mode call as risky (-32004), the user is shown the
   * helper's own words and the call is repeated with confirmRisk if they agree.
   * Resolves to the result, or undefined when it failed or was declined.
   */
  async function request<M extends MethodName>(method: M, params: MethodParams[M], failure: string): Promise<MethodResult<M> | undefined> {
    let failed: unknown;
    busy.value++;
    try {
      // The helper sends the change's topology notification before this reply: the store is already current.
      return await useClient().call(method, params);
    } catch (error) {
      failed = error;
    } finally {
      busy.value--;
    }
    const ui = useUi();
    if (failed instanceof RpcError && failed.code === ErrorCode.RiskRefused && !(params as { confirmRisk?: boolean }).confirmRisk) {
      const risk = (failed.data as Partial<RiskErrorData> | undefined)?.risk ?? failed.message;
      return new Promise((resolve) =>
        ui.ask('This could cut the machine off', risk, 'Do it anyway', () => void request(method, { ...params, confirmRisk: true }, failure).then(resolve), () => resolve(undefined)),
      );
    }
    ui.toast('error', failure, failed instanceof RpcError ? failed.message : String(failed));
    return undefined;
  }

  async function loadInfo(): Promise<void> {
    try {
      info.value = await useClient().call('helper.info', {});
    } catch {
      info.value = null;
    }
  }

  return { namespaces, graph, root, pristine, loaded, busy, status, info, loadInfo, byId, byName, whereOf, replaceAll, applyChange, refresh, request };
});
