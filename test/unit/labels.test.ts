// What a namespace is called on its card, in pickers and terminals: the
// title rules, with holders shaped as the helper reports real runtimes' ones.
import { describe, expect, it } from 'vitest';
import { namespaceLabel, namespaceSubtitles, namespaceTitle, type Holder, type Namespace } from '../../shared/model';

const holder = (over: Partial<Holder>): Holder => ({ pid: 100, command: 'sleep', runtime: null, containerId: null, podId: null, unit: null, label: 'sleep, pid 100', ...over });
const ns = (over: Partial<Namespace>): Pick<Namespace, 'id' | 'name' | 'root' | 'holders'> => ({ id: '4026532401', name: null, root: false, ...over });
const ID = '772d56af8f0fec99c6f5a467a75158082464841154621b22820b78e02343d9e4';
const POD = 'e086e7cccd1f4a0c7cc15e6a46f7b66f70760855c0121c13ee09c8a5a28eb61f';

describe('namespace titles', () => {
  it("puts a Podman container's name before netavark's netns-<uuid> name, which stays a subtitle", () => {
    const pweb = ns({ name: 'netns-bfe17144-c0aa-7971-4be4-cc36c509f29d', holders: [holder({ runtime: 'podman', containerId: ID, containerName: 'pweb', image: 'localhost/local/bb:latest' })] });
    expect(namespaceTitle(pweb)).toBe('pweb');
    expect(namespaceSubtitles(pweb)).toEqual(['/run/netns/netns-bfe17144-c0aa-7971-4be4-cc36c509f29d', 'podman 772d56af8f0f · localhost/local/bb:latest']);
  });

  it("titles a pod by the pod's name and lists its members, not its infra container", () => {
    const pod = ns({
      name: 'netns-6fccb43f-1526-471a-faef-46f4d61bd17e',
      holders: [
        holder({ pid: 350, command: 'catatonit', runtime: 'podman', containerId: 'a734c49ea1f1'.padEnd(64, '0'), podId: POD, containerName: 'e086e7cccd1f-infra', podName: 'ppod' }),
        holder({ pid: 372, runtime: 'podman', containerId: ID, podId: POD, containerName: 'ppod-a', podName: 'ppod' }),
        holder({ pid: 390, runtime: 'podman', containerId: 'b'.repeat(64), podId: POD, containerName: 'ppod-b', podName: 'ppod' }),
      ],
    });
    expect(namespaceTitle(pod)).toBe('ppod');
    expect(namespaceSubtitles(pod)).toEqual(['/run/netns/netns-6fccb43f-1526-471a-faef-46f4d61bd17e', 'podman pod e086e7cccd1f', 'pod: ppod-a, ppod-b']);
  });

  it('names a Docker container held only through /run/docker/netns, and a Kubernetes pod as namespace/pod', () => {
    expect(namespaceTitle(ns({ holders: [holder({ runtime: 'docker', containerId: ID, containerName: 'dweb', image: 'local/dbb' })] }))).toBe('dweb');
    expect(namespaceTitle(ns({ name: 'cni-1b2c3d4e', holders: [holder({ command: 'pause', runtime: 'kubernetes', containerId: ID, podId: 'x', podName: 'shop/web-7d9f' })] }))).toBe('shop/web-7d9f');
  });

  it("does not repeat a ctr container's id under its title", () => {
    expect(namespaceSubtitles(ns({ holders: [holder({ runtime: 'containerd', containerId: 'cweb', containerName: 'cweb' })] }))).toEqual(['containerd']);
  });

  it('falls back to the /run/netns name, then runtime and short id, then the holder, then the inode', () => {
    expect(namespaceTitle(ns({ name: 'netns1' }))).toBe('netns1');
    const unnamed = ns({ holders: [holder({ runtime: 'docker', containerId: ID })] });
    expect(namespaceTitle(unnamed)).toBe('docker 772d56af8f0f');
    expect(namespaceSubtitles(unnamed)).toEqual(['docker']);
    expect(namespaceTitle(ns({ name: 'netns-abc', holders: [holder({ runtime: 'podman', containerId: ID })] }))).toBe('netns-abc');
    expect(namespaceTitle(ns({ holders: [holder({})] }))).toBe('sleep, pid 100');
    expect(namespaceTitle(ns({}))).toBe('netns 4026532401');
    expect(namespaceTitle(ns({ root: true }))).toBe('host');
  });

  it('shows control characters in names escaped, never raw', () => {
    expect(namespaceTitle(ns({ holders: [holder({ runtime: 'docker', containerId: ID, containerName: 'evil\u001b[2Jname' })] }))).toBe('evil\\x1b[2Jname');
  });

  it("uses the helper's title when it sent one", () => {
    expect(namespaceLabel({ ...ns({ name: 'netns1' }), title: 'from the helper' })).toBe('from the helper');
    expect(namespaceLabel(ns({ name: 'netns1' }))).toBe('netns1');
  });
});
