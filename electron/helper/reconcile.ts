// How often the full re-read that catches what no event reports comes.

/**
 * The least period. Events report links, addresses, routes and nsids;
 * inotify reports names; /proc reports holders. What nothing reports (a qdisc
 * set by another tool, a namespace only bind-mounted) waits for this full re-read.
 */
export const RECONCILE_MS = 60_000;

/**
 * The pace, in multiples of the last full reading's duration: with readers
 * alive a reading is cheap; with none (an app left alone lets them end) every
 * namespace costs a process, so it comes far less often.
 */
const PACE = 20;
const PACE_WITHOUT_READERS = 200;

/** Time until the next reconcile. */
export function reconcileDelay(leastMs: number, lastFullMs: number, readersAlive: boolean): number {
  return Math.max(leastMs, lastFullMs * (readersAlive ? PACE : PACE_WITHOUT_READERS));
}
