// Names that try to be read as something else: ip keywords, and /run/netns
// names made outside the app that would run commands if a shell read them.
// The lab tests and the SSH tests use the same lists.

/** Words ip link, ip address and ip route read as keywords (and abbreviations of them). */
export const IFNAME_KEYWORDS = [
  'a',
  'ad',
  'add',
  'address',
  'addr',
  'dev',
  'down',
  'up',
  'type',
  'name',
  'help',
  'h',
  'master',
  'nomaster',
  'link',
  'netns',
  'mtu',
  'alias',
  'group',
  'vf',
  'peer',
  'txqueuelen',
  'qlen',
  'arp',
  'multicast',
  'promisc',
  'state',
  'broadcast',
  'brd',
  'index',
  'set',
  'show',
  'del',
  'delete',
  'change',
  'via',
  'src',
  'table',
];
/** Words ip netns reads as subcommands. */
export const NETNS_KEYWORDS = ['add', 'delete', 'del', 'exec', 'list', 'ls', 'set', 'identify', 'pids', 'monitor', 'attach', 'help', 'up', 'a'];

/** /run/netns names made outside the app; `file(i)` is how payload i names the file it would create if run. */
export function hostileNetnsNames(file: (i: number) => string): string[] {
  return [`zz sh -c "touch ${file(0)}" #`, `$(touch ${file(1)})`, `x; touch ${file(2)} \`touch ${file(3)}\``, 'all', 'two\nlines', '\x1b[31mred\x1b[0m', "it's `quoted`"];
}
