// pid 1's child in the sandbox that plays a container host (see
// runtime-sandbox.ts): private /run, state on tmpfs, a sysfs of its own
// devices with the cgroup mounts kept, CNI config and plugins for ctr, then
// "ready" on stdout and a wait until stdin closes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

const [state] = process.argv.slice(2);
const mount = (...args) => execFileSync('mount', args);

mount('--make-rprivate', '/');
mount('-t', 'tmpfs', '-o', 'mode=0755', 'sandbox-run', '/run');
for (const dir of ['/run/lock', '/run/netns', '/run/podman', '/run/containers']) mkdirSync(dir, { recursive: true });
mount('-t', 'tmpfs', '-o', 'mode=0700', 'sandbox-state', state);
mkdirSync(`${state}/cg`);
mount('--rbind', '/sys/fs/cgroup', `${state}/cg`);
mount('-t', 'sysfs', 'sysfs', '/sys');
mount('--move', `${state}/cg`, '/sys/fs/cgroup');
// ctr --cni reads /etc/cni/net.d and runs plugins from /opt/cni/bin: both are this sandbox's own.
mount('-t', 'tmpfs', 'sandbox-cni', '/etc/cni/net.d');
writeFileSync(
  '/etc/cni/net.d/10-sandbox.conflist',
  JSON.stringify({
    cniVersion: '1.0.0',
    name: 'sandbox',
    plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', subnet: '10.88.7.0/24', dataDir: `${state}/cni` } }],
  }),
);
mount('-t', 'tmpfs', 'sandbox-opt', '/opt');
mkdirSync('/opt/cni/bin', { recursive: true });
mount('--bind', '/usr/lib/cni', '/opt/cni/bin');
execFileSync('ip', ['link', 'set', 'lo', 'up']);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
