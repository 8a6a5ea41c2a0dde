// Which machine this page shows: a remote host's page carries it in its address
// (?host=…, set by the tab or window that opened it); this machine's has none.

/** The remote host this page shows, as it was opened, or null for this machine. */
export function pageHost(): string | null {
  return typeof location === 'undefined' ? null : new URLSearchParams(location.search).get('host');
}
