// The packaging configuration points at files that exist, and the polkit
// action authorises exactly the launcher the app runs through pkexec.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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

  it('has the launcher run the app binary as Node on the bundled helper', () => {
    const launcher = readFileSync(`${ROOT}build/linux/netns-explorer-helper`, 'utf8');
    expect(launcher).toContain(`ELECTRON_RUN_AS_NODE=1 exec "$here/../${pkg.build.linux.executableName}" "$here/helper/helper.mjs" "$@"`);
  });
});
