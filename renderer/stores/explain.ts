// The last "Why can't it ping?" answer: what was asked, what path.explain said.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PathExplanation, ProblemCode } from '../../shared/protocol';

/** What a card says in a few words where the packet stops (the message is its tooltip). */
const SHORT: Record<ProblemCode, string> = {
  'link-down': 'link down',
  'no-carrier': 'no carrier',
  'no-address': 'no address',
  'no-route': 'no route',
  'gateway-unreachable': 'gateway unreachable',
  'forwarding-disabled': 'forwarding off',
  'bridge-port-missing': 'not on the bridge',
  'bridge-down': 'bridge down',
  'loopback-down': 'lo down',
  'no-return-route': 'no way back',
  'address-conflict': 'address conflict',
  'reverse-path-filter': 'rp_filter drops it',
  firewall: 'firewall drops it',
  unknown: 'no reply',
};

export interface PathMark {
  ok: boolean;
  short: string | null;
  message: string | null;
}

export const useExplain = defineStore('explain', () => {
  const question = ref<{ namespaceId: string; target: string } | null>(null);
  const result = ref<PathExplanation | null>(null);
  const busy = ref<'explaining' | 'fixing' | null>(null);
  /** How each namespace on the path fared: the graph lights them green or red. */
  const marks = computed<Record<string, PathMark>>(() => {
    const r = result.value;
    if (!r) return {};
    const out: Record<string, PathMark> = {};
    for (const hop of r.hops) out[hop.namespaceId] = { ok: true, short: null, message: null };
    if (r.problem) out[r.problem.namespaceId] = { ok: false, short: `✗ ${SHORT[r.problem.code]}${r.problem.ifname ? ` · ${r.problem.ifname}` : ''}`, message: r.problem.message };
    return out;
  });

  function clear(): void {
    question.value = null;
    result.value = null;
    busy.value = null;
  }

  return { question, result, busy, marks, clear };
});
