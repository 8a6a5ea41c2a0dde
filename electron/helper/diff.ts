// Which namespaces changed between two snapshots. Pure.
import type { Namespace } from '../../shared/model';
import type { TopologyChange } from '../../shared/protocol';

export class TopologyDiffer {
  private last = new Map<string, string>();

  /** The change since the previous call; empty when nothing differs. */
  next(namespaces: readonly Namespace[]): TopologyChange {
    const current = new Map(namespaces.map((n) => [n.id, JSON.stringify(n)]));
    const changed = namespaces.filter((n) => this.last.get(n.id) !== current.get(n.id));
    const removed = [...this.last.keys()].filter((id) => !current.has(id));
    this.last = current;
    return { namespaces: changed, removed };
  }
}

export function isEmptyChange(change: TopologyChange): boolean {
  return change.namespaces.length === 0 && change.removed.length === 0;
}
