import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initArgv, innerIdentity, userNamespaceBlocker } from '../../electron/helper/lab';
import { commandError } from '../../electron/helper/ip';
import { ErrorCode } from '../../shared/protocol';

describe('lab hops', () => {
  it('finds an init that reaps orphans for pid 1, tini first, and says when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netns-explorer-init-'));
    expect(initArgv(dir)).toEqual([]);
    writeFileSync(join(dir, 'catatonit'), '#!/bin/sh\n', { mode: 0o755 });
    expect(initArgv(`/nonexistent:${dir}`)).toEqual([join(dir, 'catatonit'), '--']);
    writeFileSync(join(dir, 'tini'), '#!/bin/sh\n', { mode: 0o644 });
    expect(initArgv(dir)).toEqual([join(dir, 'catatonit'), '--']);
    chmodSync(join(dir, 'tini'), 0o755);
    expect(initArgv(dir)).toEqual([join(dir, 'tini'), '--']);
  });

  it('uses uid 1000 inside when started as root', () => {
    expect(innerIdentity(0, 0)).toEqual({ innerUid: 1000, innerGid: 1000 });
  });

  it('names the setting that blocks user namespaces, and how to change it', () => {
    const settings = (values: Record<string, string>) => (path: string) => values[path] ?? null;
    expect(userNamespaceBlocker(settings({}))).toBeNull();
    expect(userNamespaceBlocker(settings({ '/proc/sys/kernel/unprivileged_userns_clone': '0' }))).toMatch(/kernel.unprivileged_userns_clone.*sysctl -w/);
    expect(userNamespaceBlocker(settings({ '/proc/sys/user/max_user_namespaces': '0' }))).toMatch(/user.max_user_namespaces/);
    expect(userNamespaceBlocker(settings({ '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1' }))).toMatch(/AppArmor/);
  });
});

describe('the ip runner', () => {
  it('reports a missing kernel feature as exactly that', () => {
    const data = { argv: ['ip', 'link', 'add', 'd0', 'type', 'dummy'], namespace: null, exitCode: 2, stderr: 'Error: Unknown device type.\n' };
    expect(commandError(data).code).toBe(ErrorCode.NotSupported);
    expect(commandError({ ...data, stderr: 'RTNETLINK answers: File exists' }).code).toBe(ErrorCode.CommandFailed);
  });
});
