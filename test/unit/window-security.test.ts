import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, REQUIRED_FUSES, acceptIpcFrom, allowFrameNavigation, hardenedWebPreferences, isSafeExternalUrl } from '../../electron/main/window-security.js';

const APP_PAGE = 'file:///opt/Lifeboat/resources/app.asar/dist/renderer/index.html';

describe('window security settings', () => {
  it('isolates and sandboxes the renderer with no Node and no webviews', () => {
    const prefs = hardenedWebPreferences('/app/preload.cjs', { packaged: true });
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
  });

  it('allows only the app’s own scripts, no eval, no remote connections, no framing', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives.get('default-src')).toBe("'self'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('connect-src')).toBe("'self'");
    expect(directives.get('object-src')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/\*|https?:/);
  });

  it('opens only web links in the system browser', () => {
    expect(isSafeExternalUrl('https://www.postgresql.org/docs/')).toBe(true);
    expect(isSafeExternalUrl('http://example.com')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'not a url', 'data:text/html,hi']) {
      expect(isSafeExternalUrl(bad)).toBe(false);
    }
  });

  it('turns DevTools off in packaged builds only', () => {
    expect(hardenedWebPreferences('/p', { packaged: true }).devTools).toBe(false);
    expect(hardenedWebPreferences('/p', { packaged: false }).devTools).toBe(true);
  });

  it('accepts IPC only from the app window’s main frame on the app’s own page', () => {
    const ok = { fromAppWindow: true, isMainFrame: true, url: APP_PAGE };
    expect(acceptIpcFrom(ok, APP_PAGE)).toBe(true);
    expect(acceptIpcFrom({ ...ok, url: `${APP_PAGE}#/restore` }, APP_PAGE)).toBe(true);
    // Any other file:// page, an iframe of the app, another window, a vanished frame, the web.
    expect(acceptIpcFrom({ ...ok, url: 'file:///tmp/evil.html' }, APP_PAGE)).toBe(false);
    expect(acceptIpcFrom({ ...ok, url: 'file:///opt/Lifeboat/resources/app.asar/dist/renderer/other.html' }, APP_PAGE)).toBe(false);
    expect(acceptIpcFrom({ ...ok, url: `${APP_PAGE}?x=1` }, APP_PAGE)).toBe(false);
    expect(acceptIpcFrom({ ...ok, isMainFrame: false }, APP_PAGE)).toBe(false);
    expect(acceptIpcFrom({ ...ok, fromAppWindow: false }, APP_PAGE)).toBe(false);
    expect(acceptIpcFrom({ ...ok, url: null }, APP_PAGE)).toBe(false);
    expect(acceptIpcFrom({ ...ok, url: 'https://example.com/' }, APP_PAGE)).toBe(false);
    expect(acceptIpcFrom({ ...ok, url: 'not a url' }, APP_PAGE)).toBe(false);
  });

  it('denies every frame navigation', () => {
    for (const url of [APP_PAGE, 'file:///etc/passwd', 'https://example.com', 'javascript:alert(1)']) expect(allowFrameNavigation(url)).toBe(false);
  });

  it('the packaging config flips every required fuse', async () => {
    const yml = await readFile(path.resolve(import.meta.dirname, '../../electron-builder.yml'), 'utf8');
    const section = /^electronFuses:\n((?:[ \t]+.*\n?)+)/m.exec(yml)?.[1] ?? '';
    const fuses = Object.fromEntries([...section.matchAll(/^\s+(\w+):\s*(true|false)\s*$/gm)].map((m) => [m[1], m[2] === 'true']));
    expect(fuses).toEqual(REQUIRED_FUSES);
    expect(REQUIRED_FUSES).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, enableEmbeddedAsarIntegrityValidation: true, onlyLoadAppFromAsar: true, enableCookieEncryption: true });
  });
});
