// A database behind an SSH server, set up in real Chromium through the browser harness: the private
// key chosen as a file, an unknown host key refused with its fingerprint, pinned only when the user
// asks, the connection tested and a first backup made through the tunnel — against a real OpenSSH
// server on loopback and a PostgreSQL that listens on no TCP address.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshMachine, readKeychainEntry, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import { openBrowser, type Browser } from './support/browser.js';
import { startHarness, type Harness } from './support/harness.js';

let sshd: Sshd;
let pg: PgCluster;
let machine: TestEnv;
let harness: Harness;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [sshd, pg, machine] = await Promise.all([startSshd(), startCluster({ major: 15, tcp: false }), freshMachine()]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 500) g', [], 'shop');
  harness = await startHarness({ ...process.env, ...machine });
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
  await Promise.all([sshd?.stop(), pg?.stop()]);
});

describe('Reach through SSH in Chromium', () => {
  it('chooses the key file, refuses the unknown host key until it is pinned, tests and backs up through the tunnel', async () => {
    const knownHosts = path.join(machine.HOME, 'known_hosts');
    await writeFile(knownHosts, '');
    const storage = path.join(machine.HOME, 'backups');
    await page.goto(harness.url);
    await page.getByRole('heading', { name: 'Welcome to Lifeboat' }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('prod');
    await page.getByRole('textbox', { name: 'Database URL' }).fill(`postgresql://postgres@localhost:${pg.port}/shop?host=${encodeURIComponent(pg.socketDir)}`);
    await page.getByRole('textbox', { name: 'Storage URL' }).fill(`file://${storage}`);
    await page.getByRole('checkbox', { name: 'Reach through SSH' }).check();
    await page.getByRole('textbox', { name: 'SSH server' }).fill(sshd.destination);
    await page.getByLabel('Private key file').setInputFiles(sshd.clientKey.privateKeyPath);
    await page.getByText('client_ed25519 chosen: saved into the keychain, never shown again.').waitFor();
    await page.getByRole('textbox', { name: 'known_hosts file' }).fill(knownHosts);

    await page.getByRole('button', { name: 'Test connection' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toContain(`is not in ${knownHosts} and offered the ssh-ed25519 key ${sshd.hostKey.fingerprint}`);
    expect(await page.getByRole('textbox', { name: 'Host key fingerprint' }).count()).toBe(0);
    await page.getByRole('button', { name: `Pin ${sshd.hostKey.fingerprint}` }).click();
    expect(await page.getByRole('textbox', { name: 'Host key fingerprint' }).inputValue()).toBe(sshd.hostKey.fingerprint);

    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByRole('status', { name: 'Connection test result' });
    await result.waitFor({ timeout: 30_000 });
    expect(await result.textContent()).toMatch(/Connected to PostgreSQL 15\.\d+, database “shop”/);

    await page.getByRole('button', { name: 'Save database' }).click();
    await page.getByRole('heading', { name: 'Backup now: prod' }).waitFor();
    await page.getByRole('button', { name: 'Start backup' }).click();
    await page.getByRole('status').filter({ hasText: 'Backup stored as' }).waitFor({ timeout: 60_000 });

    expect(await readKeychainEntry(machine, 'profile/prod/ssh-identity')).toBe(sshd.clientKey.privateKey);
    const config = await readFile(path.join(machine.LIFEBOAT_HOME, 'config.json'), 'utf8');
    expect(config).toContain(`"hostKeyFingerprint": "${sshd.hostKey.fingerprint}"`);
    expect(config).not.toContain('PRIVATE KEY');
    expect((await readdir(storage, { recursive: true })).some((f) => /shop_\d{8}_\d{6}\.dump$/.test(f))).toBe(true);
    expect(await readFile(knownHosts, 'utf8')).toBe('');
  });
});
