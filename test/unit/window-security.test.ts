import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, hardenedWebPreferences, isSafeExternalUrl } from '../../electron/main/window-security.js';

describe('window security settings', () => {
  it('isolates and sandboxes the renderer with no Node and no webviews', () => {
    const prefs = hardenedWebPreferences('/app/preload.cjs');
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
});
