// Keystrokes to a terminal, delivered in order through the one request function.
import { request } from './request';

/** The most one terminal.write carries (the protocol's limit), with room for a surrogate pair. */
const WRITE_MAX = 65_534;

/**
 * What is typed into a terminal, in order and never dropped: one write in
 * flight at a time, with the keystrokes that came meanwhile sent together
 * after it. A write per keystroke could pile up past the bridge's cap on calls
 * in flight when the helper is busy, and the ones refused were lost.
 */
export function terminalInput(terminalId: string): (data: string) => void {
  let queued = '';
  let sending = false;
  const drain = async () => {
    sending = true;
    while (queued) {
      let end = Math.min(queued.length, WRITE_MAX);
      // Never split a surrogate pair between two writes.
      if (end < queued.length && /[\ud800-\udbff]/.test(queued[end - 1] as string)) end--;
      const data = queued.slice(0, end);
      queued = queued.slice(end);
      await request('terminal.write', { terminalId, data }, 'Could not type into the terminal', { quiet: true });
    }
    sending = false;
  };
  return (data) => {
    queued += data;
    if (!sending) void drain();
  };
}
