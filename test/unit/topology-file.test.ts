import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSnapshotBatch } from '../../electron/helper/parse';
import { resolveTopology } from '../../electron/helper/peers';
import { fromTopology, parseTopologyFile, planOf, scriptOf, toYaml, TopologyFileError, topologyJsonSchema } from '../../shared/topology-file';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ip/${name}`, import.meta.url), 'utf8');
const recorded = {
  namespaces: resolveTopology([
    { id: '1', name: null, root: true, ...parseSnapshotBatch(fixture('host.batch')) },
    { id: '2', name: 'netns1', root: false, ...parseSnapshotBatch(fixture('netns1.batch')) },
    { id: '3', name: 'netns2', root: false, ...parseSnapshotBatch(fixture('netns2.batch')) },
  ]),
};

describe('fromTopology on a recorded lab', () => {
  const file = fromTopology(recorded);

  it('keeps namespaces, veth cables, bridges with ports, addresses, admin state and routes', () => {
    expect(file.namespaces.map((n) => n.name)).toEqual(['host', 'netns1', 'netns2']);
    expect(file.veths).toEqual(
      expect.arrayContaining([
        { a: { namespace: 'host', name: 'veth0' }, b: { namespace: 'netns1', name: 'veth1' } },
        { a: { namespace: 'host', name: 'vp1' }, b: { namespace: 'netns2', name: 'vp1c' } },
        { a: { namespace: 'netns1', name: 'a1' }, b: { namespace: 'netns2', name: 'a2' } },
      ]),
    );
    expect(file.bridges).toEqual([{ namespace: 'host', name: 'br0', ports: ['vp1'] }]);
    const netns1 = file.namespaces.find((n) => n.name === 'netns1');
    expect(netns1).toMatchObject({ lo: 'down', routes: [{ to: 'default', via: '10.1.1.2' }] });
    expect(netns1?.links).toContainEqual({ name: 'veth1', up: true, addresses: ['10.1.1.1/24', 'fd00::1/64'] });
  });

  it('survives YAML both ways', () => {
    expect(parseTopologyFile(toYaml(file))).toEqual(file);
  });

  it('plans namespaces first and routes last', () => {
    const methods = planOf(file).map((c) => c.method);
    expect(methods.slice(0, 2)).toEqual(['netns.create', 'netns.create']);
    expect(methods.at(-1)).toBe('route.add');
    expect(methods.indexOf('link.setMaster')).toBeGreaterThan(methods.lastIndexOf('veth.create'));
  });

  it('writes a bash script of plain ip commands, commented per namespace', () => {
    const script = scriptOf(file);
    expect(script.split('\n').slice(0, 3)).toEqual(['#!/usr/bin/env bash', expect.stringMatching(/^# Built by Netns Explorer/), 'set -e']);
    expect(script).toContain('ip netns add netns1\n');
    expect(script).toContain('ip link add veth0 type veth peer name veth1 netns netns1\n');
    expect(script).toContain('ip -n netns1 link add a1 type veth peer name a2 netns netns2\n');
    expect(script).toContain('ip link set dev vp1 master br0\n');
    expect(script).toContain('# Namespace netns1\n');
    expect(script).toContain('ip -n netns1 address add 10.1.1.1/24 dev veth1\n');
    expect(script).toContain('ip -n netns1 route add default via 10.1.1.2\n');
  });
});

describe('broken topology files', () => {
  it('names the line of a bad value and of an unknown field', () => {
    const text = ['namespaces:', '  - name: netns1', '    links:', '      - name: veth1', '        addresses: [10.0.0.1/33]'].join('\n');
    expect(() => parseTopologyFile(text)).toThrow(TopologyFileError);
    expect(() => parseTopologyFile(text)).toThrow(/^line 5: namespaces\.0\.links\.0\.addresses\.0: prefix length must be 0–32/);
    expect(() => parseTopologyFile('namespaces: []\ncolour: blue\n')).toThrow(/unknown field colour/);
    expect(() => parseTopologyFile('namespaces: [\n')).toThrow(/^line \d+:/);
  });
});

describe('the shipped JSON schema', () => {
  it('is the one the code validates with', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../docs/topology.schema.json', import.meta.url), 'utf8'));
    expect(shipped).toEqual(topologyJsonSchema());
  });

  it('matches the example file', () => {
    expect(() => parseTopologyFile(readFileSync(new URL('../../examples/article.yaml', import.meta.url), 'utf8'))).not.toThrow();
  });
});
