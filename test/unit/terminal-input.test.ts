// Typing into a terminal while the helper is slow: every keystroke arrives, in
// order, and the client never has more than one write in flight for it (the
// bridge refuses calls past its cap, and a refused keystroke was a lost one).
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { BRIDGE_LIMITS, ErrorCode, RpcError, type NetnsClient } from '../../shared/protocol';
import { setClient } from '../../renderer/client/current';
import { terminalInput } from '../../renderer/terminal-input';

let received = '';
let inFlight = 0;
let most = 0;

/** Answers each write after a while, and refuses past the bridge's cap, as the web bridge does. */
const slowBridge: NetnsClient = {
  async call(method, params) {
    if (inFlight >= BRIDGE_LIMITS.maxInFlight) throw new RpcError({ code: ErrorCode.LimitReached, message: 'Too many calls in flight' });
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      await new Promise((r) => setTimeout(r, 5));
      if (method === 'terminal.write') received += (params as { data: string }).data;
      return {} as never;
    } finally {
      inFlight--;
    }
  },
  on: () => () => undefined,
};

beforeEach(() => {
  setActivePinia(createPinia());
  setClient(slowBridge);
  received = '';
  inFlight = 0;
  most = 0;
});

describe('terminal input', () => {
  it('delivers 500 keystrokes typed faster than the helper answers, in order, one write at a time', async () => {
    const type = terminalInput('t1');
    const line = 'ip -n c2 route add default via 172.18.0.1\n'.repeat(12).slice(0, 500);
    for (const key of line) type(key);
    await expect.poll(() => received, { timeout: 5000 }).toBe(line);
    expect(most).toBe(1);
  });

  it('splits a paste larger than one write without cutting a character in two', async () => {
    const type = terminalInput('t2');
    const paste = `${'a'.repeat(65_533)}😀${'b'.repeat(10)}`;
    type(paste);
    await expect.poll(() => received, { timeout: 5000 }).toBe(paste);
  });
});
