// Which machine this page shows: a remote host's page carries it in its address
// (?host=…, set by the tab or window that opened it); this machine's has none.
import { canonicalDestination, parseDestination } from '../shared/ssh-destination';

const param = (): string | null => (typeof location === 'undefined' ? null : new URLSearchParams(location.search).get('host'));

/** The remote host this page shows, or null for this machine (and for an address whose host is none). */
export function pageHost(): string | null {
  const raw = param();
  return raw === null ? null : canonicalDestination(raw);
}

/** Why the address's host is not one, or null when it is (or there is none). */
export function pageHostProblem(): string | null {
  const raw = param();
  const parsed = raw === null ? null : parseDestination(raw);
  return parsed && !parsed.ok ? parsed.problem : null;
}
