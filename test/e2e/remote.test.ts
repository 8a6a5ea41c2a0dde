// A remote host in the browser: the web bridge runs the helper with --ssh in
// a namespace of its own, and the page shows the server's namespaces, whose
// host it names, and says so while the connection is down.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, startWeb, type WebApp } from '../support/web';
import { startSshServer, type SshServer } from '../support/ssh-server';

let server: SshServer;
let web: WebApp;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startSshServer();
  server.exec(['ip', 'netns', 'add', 'netns1']);
  server.exec(['ip', 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', 'netns1']);
  web = await startWeb(['--ssh=server', `--ssh-config=${server.configFile}`, '--port=0'], server.clientWrap, { SSH_AUTH_SOCK: '' });
  browser = await launchChromium(server.clientPid);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(web.url);
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  server?.stop();
});

describe('a remote host in the browser', () => {
  it("names the host on the mode badge and in the title, and draws the server's namespaces", async () => {
    await expect.poll(() => page.locator('[data-testid="remote-host"]').textContent()).toBe('on server');
    expect((await page.locator('[data-testid="mode"]').textContent())?.trim()).toBe('Host');
    expect(await page.title()).toBe('server — Netns Explorer');
    await page.locator('[data-testid="netns"][data-ns-name="netns1"]').waitFor();
    await page.locator('.vue-flow__edge').first().waitFor({ state: 'attached' });
    // The switch to lab mode belongs to the desktop app on this machine, never to a remote host.
    expect(await page.locator('[data-action="switch-mode"]').count()).toBe(0);
    await screenshot(page, 'remote-host');
  });

  it('says it is reconnecting while the connection is down, and shows changes made meanwhile once back', async () => {
    server.dropConnections();
    const banner = page.getByText(/Lost the connection to server; reconnecting/);
    await banner.waitFor({ timeout: 15_000 });
    await screenshot(page, 'remote-reconnecting');
    server.exec(['ip', 'netns', 'add', 'while-away']);
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('[data-testid="netns"][data-ns-name="while-away"]').waitFor({ timeout: 15_000 });
  });
});

describe('a host not in the known hosts', () => {
  it('shows its fingerprint, and on yes adds that key and connects', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const known = `${server.dir}/known_hosts_e2e`;
    const config = `${server.dir}/ssh_config_e2e`;
    writeFileSync(known, '');
    writeFileSync(config, readFileSync(server.configFile, 'utf8').replaceAll(server.knownHosts, known));
    const stranger = await startWeb(['--ssh=server', `--ssh-config=${config}`, '--port=0'], server.clientWrap, { SSH_AUTH_SOCK: '' });
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await tab.goto(stranger.url);
      const body = tab.locator('[data-testid="confirm-body"]');
      await body.waitFor();
      expect(await body.textContent()).toContain(server.fingerprint);
      expect(await tab.locator('[data-testid="netns"][data-ns-name="netns1"]').count()).toBe(0);
      await screenshot(tab, 'remote-host-key');
      await tab.getByRole('button', { name: 'Trust and connect' }).click();
      await tab.locator('[data-testid="netns"][data-ns-name="netns1"]').waitFor({ timeout: 20_000 });
      expect(readFileSync(known, 'utf8')).toMatch(/^10\.251\.7\.1 ssh-ed25519 /);
    } finally {
      await tab.close();
      await stranger.stop();
    }
  });
});

describe('connecting to a host from a lab tab', () => {
  it('opens the host in a tab of its own, remembers it, and brings that tab forward when asked again', async () => {
    const lab = await startWeb(['--lab', `--ssh-config=${server.configFile}`, '--port=0'], server.clientWrap, { SSH_AUTH_SOCK: '' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const labTab = await context.newPage();
      await labTab.goto(lab.url);
      await expect.poll(() => labTab.locator('[data-testid="mode"]').textContent()).toMatch(/Lab/);
      await labTab.keyboard.press('h');
      const field = labTab.locator('[data-field="ssh-destination"]');
      await field.waitFor();
      // An option where a host belongs is named as the problem, and nothing opens.
      await field.fill('-oProxyCommand=touch /tmp/pwned');
      await field.press('Enter');
      expect(await labTab.locator('#ssh-destination-error').textContent()).toMatch(/must not start with "-"/);
      expect(await labTab.locator('[data-action="connect"]').isDisabled()).toBe(true);
      expect(context.pages()).toHaveLength(1);
      await field.fill('server');
      const [hostTab] = await Promise.all([context.waitForEvent('page'), labTab.locator('[data-action="connect"]').click()]);
      await expect.poll(() => hostTab.locator('[data-testid="remote-host"]').textContent(), { timeout: 20_000 }).toBe('on server');
      await hostTab.locator('[data-testid="netns"][data-ns-name="netns1"]').waitFor({ timeout: 20_000 });
      expect(await hostTab.title()).toBe('server — Netns Explorer');
      // The token left the host tab's address bar; the host stays, so a reload comes back to it.
      expect(new URL(hostTab.url()).search).toBe('?host=server');
      // The lab tab still shows its own lab, untouched.
      expect(await labTab.locator('[data-testid="netns"][data-ns-name="netns1"]').count()).toBe(0);

      await labTab.bringToFront();
      await labTab.locator('[data-action="connect-host"]').click();
      const recent = labTab.locator('[data-action="recent-host"][data-host="server"]');
      await recent.waitFor();
      await screenshot(labTab, 'connect-host');
      await recent.click();
      await expect.poll(() => labTab.locator('[data-field="ssh-destination"]').count()).toBe(0);
      expect(context.pages()).toHaveLength(2);

      await hostTab.reload();
      await hostTab.locator('[data-testid="netns"][data-ns-name="netns1"]').waitFor({ timeout: 20_000 });
      // Back on a connected host: no "connecting" left over.
      expect(await hostTab.locator('.banner').count()).toBe(0);

      // A host nobody answers for: said in the banner with ssh's reason, once, and no toasts.
      const token = new URL(lab.url).searchParams.get('token') as string;
      const away = await context.newPage();
      await away.goto(`${lab.origin}/?host=10.251.7.99&token=${token}`);
      await away.getByText(/Cannot reach 10\.251\.7\.99 yet \(ssh: connect to host 10\.251\.7\.99 port 22: .+\); trying again…/).waitFor({ timeout: 20_000 });
      expect(await away.locator('.toast').count()).toBe(0);
      await screenshot(away, 'remote-unreachable');
      // An address whose host is an option: refused before any connection, and not named as a host.
      const forged = await context.newPage();
      await forged.goto(`${lab.origin}/?host=${encodeURIComponent('-oProxyCommand=id')}&token=${token}`);
      await forged.getByText(/This page's address names no host to connect to \(the host must not start with "-"\)/).waitFor();
      expect(await forged.locator('[data-testid="remote-host"]').count()).toBe(0);
    } finally {
      await context.close();
      await lab.stop();
    }
  }, 90_000);
});
