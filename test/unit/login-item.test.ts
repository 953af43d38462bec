import { afterEach, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { tempHome } from '../support/cli.js';

let service: AppService | null = null;

afterEach(async () => {
  await service?.shutdown();
  service = null;
});

describe('start at login', () => {
  it('reads and changes the OS setting through the desktop shell', async () => {
    let openAtLogin = false;
    const home = await tempHome();
    service = createAppService({ emit: () => undefined, shell: 'electron', env: { ...process.env, ...home }, loginItem: { get: () => openAtLogin, set: (v) => void (openAtLogin = v) } });
    expect(await dispatchCall(service, 'app.loginItem.get', {})).toEqual({ ok: true, value: { supported: true, openAtLogin: false } });
    expect(await dispatchCall(service, 'app.loginItem.set', { openAtLogin: true })).toEqual({ ok: true, value: { supported: true, openAtLogin: true } });
    expect(openAtLogin).toBe(true);
    expect((await dispatchCall(service, 'app.loginItem.set', { openAtLogin: 'yes' })).ok).toBe(false);
  });

  it('is refused with a clear sentence in the browser harness, where there is no app to start', async () => {
    const home = await tempHome();
    service = createAppService({ emit: () => undefined, shell: 'web', env: { ...process.env, ...home } });
    expect(await dispatchCall(service, 'app.loginItem.get', {})).toEqual({ ok: true, value: { supported: false, openAtLogin: false } });
    const r = await dispatchCall(service, 'app.loginItem.set', { openAtLogin: true });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toMatch(/setting of the desktop app/);
  });
});
