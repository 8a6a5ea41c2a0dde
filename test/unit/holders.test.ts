import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { holderLabel, parseCgroup, parseNsfsMounts } from '../../electron/helper/holders';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/proc/${name}`, import.meta.url), 'utf8');
const DOCKER_ID = '3f2a9c1e5b7d4e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9012345678abcdef';
const PODMAN_ID = '8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d';
const K8S_ID = '5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f';
const PODMAN_POD = 'e086e7cccd1f4a0c7cc15e6a46f7b66f70760855c0121c13ee09c8a5a28eb61f';
const PODMAN_MEMBER = 'ed0cfc824dcf37cc5a51f23d83d1480387c23de55e52db7b4a0c5e87a523876b';
const POD = '6b0e7a1c-2d3e-4f5a-8b9c-0d1e2f3a4b5c';

describe('parseCgroup', () => {
  it.each([
    ['cgroup-docker-v2-systemd.txt', { runtime: 'docker', containerId: DOCKER_ID }],
    ['cgroup-docker-v2-cgroupfs.txt', { runtime: 'docker', containerId: DOCKER_ID }],
    ['cgroup-docker-v1.txt', { runtime: 'docker', containerId: DOCKER_ID }],
    ['cgroup-podman-rootless-v2.txt', { runtime: 'podman', containerId: PODMAN_ID }],
    ['cgroup-podman-root-v2.txt', { runtime: 'podman', containerId: PODMAN_ID, podId: null }],
    // A pod member's paths as Podman 4.3 wrote them with cgroupfs, and as the systemd driver names them.
    ['cgroup-podman-pod-v1-cgroupfs.txt', { runtime: 'podman', containerId: PODMAN_MEMBER, podId: PODMAN_POD }],
    ['cgroup-podman-pod-v2-systemd.txt', { runtime: 'podman', containerId: PODMAN_MEMBER, podId: PODMAN_POD }],
    ['cgroup-k8s-containerd-v2.txt', { runtime: 'kubernetes', containerId: K8S_ID, podId: POD }],
    ['cgroup-k8s-cgroupfs-v1.txt', { runtime: 'kubernetes', containerId: K8S_ID, podId: POD }],
    ['cgroup-containerd-ctr-v2.txt', { runtime: 'containerd', containerId: 'redis-1' }],
    ['cgroup-systemd-service-v2.txt', { runtime: 'systemd', unit: 'wg-quick@wg0.service' }],
    ['cgroup-user-session-v2.txt', { runtime: null, containerId: null }],
  ])('%s', (file, expected) => {
    expect(parseCgroup(fixture(file))).toMatchObject(expected);
  });
});

describe('parseNsfsMounts', () => {
  it('finds network namespaces bind-mounted by docker and CNI, not other namespace kinds', () => {
    expect(parseNsfsMounts(fixture('mountinfo-docker.txt'))).toEqual([
      { id: '4026532473', mountPoint: '/run/docker/netns/9a8b7c6d5e4f' },
      { id: '4026532611', mountPoint: '/run/netns/cni-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901' },
    ]);
  });
});

describe('holderLabel', () => {
  it('says what holds a namespace in a few words', () => {
    expect(holderLabel('nginx', 4412, parseCgroup(fixture('cgroup-docker-v2-systemd.txt')))).toBe('nginx — docker 3f2a9c1e5b7d, pid 4412');
    expect(holderLabel('wg-quick', 90, parseCgroup(fixture('cgroup-systemd-service-v2.txt')))).toBe('wg-quick — wg-quick@wg0.service, pid 90');
    expect(holderLabel('sleep', 7, parseCgroup(''))).toBe('sleep, pid 7');
  });
});
