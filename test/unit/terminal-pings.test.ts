import { describe, expect, it } from 'vitest';
import { PingSpotter } from '../../renderer/terminal-pings';

describe('PingSpotter', () => {
  it('spots a ping typed in a namespace, and its result, across chunks and escape codes', () => {
    const spotter = new PingSpotter();
    expect(spotter.feed('\x1b[?2004h[lab host] ~ $ ip netns exec netns1 ping -c 3 10.1.1.2\r\n\x1b[?2004lPING 10.1.1.2 (10.1.1.2) 56(84) bytes of data.\r\n')).toEqual([]);
    expect(spotter.feed('64 bytes from 10.1.1.2: icmp_seq=1 ttl=64 time=0.05 ms\r\n\r\n--- 10.1.1.2 ping statistics ---\r\n3 packets trans')).toEqual([]);
    expect(spotter.feed('mitted, 3 received, 0% packet loss, time 2002ms\r\n')).toEqual([{ namespace: 'netns1', target: '10.1.1.2', received: 3 }]);
  });

  it('counts an unreachable ping as a failed one, and a plain ping as the shell’s own', () => {
    const spotter = new PingSpotter();
    expect(spotter.feed('[lab host] ~ $ ip -n lonely exec ping -c 2 127.0.0.1\r\nping: connect: Network is unreachable\r\n')).toEqual([{ namespace: 'lonely', target: '127.0.0.1', received: 0 }]);
    expect(spotter.feed('[c1] ~ $ ping -c 1 -i 0.2 172.18.0.13\r\n1 packets transmitted, 1 received, 0% packet loss\r\n')).toEqual([{ namespace: null, target: '172.18.0.13', received: 1 }]);
    expect(spotter.feed('[c1] ~ $ echo 1 packets transmitted, 1 received\r\n1 packets transmitted, 1 received\r\n')).toEqual([]);
  });
});
