// The packaging configuration points at files that exist, and the polkit
// action authorises exactly the launcher the app runs through pkexec.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/helper';

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
  build: { productName: string; appId: string; extraResources: { from: string; to: string }[]; linux: { icon: string; executableName: string }; deb: { fpm: string[] } };
};

describe('packaging', () => {
  it('ships the helper and its launcher outside the asar, and icons', () => {
    for (const { from } of pkg.build.extraResources.filter((r) => r.from.startsWith('build/'))) expect(existsSync(`${ROOT}${from}`), from).toBe(true);
    expect(pkg.build.extraResources.map((r) => r.to)).toEqual(['helper', 'netns-explorer-helper']);
    expect(statSync(`${ROOT}build/linux/netns-explorer-helper`).mode & 0o111).not.toBe(0);
    expect(existsSync(`${ROOT}${pkg.build.linux.icon}/512x512.png`)).toBe(true);
  });

  it('installs a polkit action under the app id whose exec.path is the installed launcher', () => {
    const [mapping] = pkg.build.deb.fpm;
    const [source, target] = (mapping as string).split('=');
    expect(target).toBe(`/usr/share/polkit-1/actions/${pkg.build.appId}.policy`);
    const policy = readFileSync(`${ROOT}${source}`, 'utf8');
    expect(policy).toContain(`<action id="${pkg.build.appId}.helper">`);
    expect(policy).toContain(`<annotate key="org.freedesktop.policykit.exec.path">/opt/${pkg.build.productName}/resources/netns-explorer-helper</annotate>`);
  });

  it('asks for the password every time: no authorisation another process of the session could reuse', () => {
    const policy = readFileSync(`${ROOT}build/linux/io.netnsexplorer.app.policy`, 'utf8');
    expect(policy).not.toMatch(/auth_admin_keep|auth_self|<allow_\w+>yes</);
    expect([...policy.matchAll(/<allow_(any|inactive|active)>([^<]+)</g)].map((m) => m[2])).toEqual(['auth_admin', 'auth_admin', 'auth_admin']);
  });
});

describe('the pkexec launcher', () => {
  // An installed layout: resources/netns-explorer-helper beside the app binary, here a stand-in that reports how it was run.
  const root = mkdtempSync(join(tmpdir(), 'netns-explorer-launcher-'));
  mkdirSync(join(root, 'resources'));
  copyFileSync(`${ROOT}build/linux/netns-explorer-helper`, join(root, 'resources', 'netns-explorer-helper'));
  chmodSync(join(root, 'resources', 'netns-explorer-helper'), 0o755);
  writeFileSync(join(root, pkg.build.linux.executableName), '#!/bin/sh\necho "RUN_AS_NODE=$ELECTRON_RUN_AS_NODE $*"\n', { mode: 0o755 });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const launch = (args: string[]) => spawnSync(join(root, 'resources', 'netns-explorer-helper'), args, { encoding: 'utf8', env: {} });

  it('runs the app binary as Node on the bundled helper in host mode', () => {
    const run = launch(['--host']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(`RUN_AS_NODE=1 ${join(root, 'resources', 'helper', 'helper.mjs')} --host`);
  });

  it('refuses anything but exactly --host, and starts nothing', () => {
    for (const args of [[], ['--lab'], ['--lab-stage=run'], ['--host', '--inside-lab'], ['--host', '--lab-stage=run'], ['--host=1'], ['--control-socket=/tmp/x']]) {
      const run = launch(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/usage: netns-explorer-helper --host/);
    }
  });
});
