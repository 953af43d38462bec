import { describe, expect, it, vi } from 'vitest';
import { trayMenuTemplate } from '../../electron/main/tray-menu.js';

const target = (id: string, name: string) => ({ id, name, dbUrl: 'postgresql://u@h/db', storageUrl: 'file:///b', hasPassword: false });

describe('tray menu', () => {
  it('offers Open Lifeboat and a Backup now item per database', () => {
    const actions = { open: vi.fn(), backupNow: vi.fn(), quit: vi.fn() };
    const menu = trayMenuTemplate([target('a', 'shop'), target('b', 'billing')], 0, actions);
    expect(menu.map((m) => m.label ?? m.type)).toEqual(['Open Lifeboat', 'separator', 'Backup now: shop', 'Backup now: billing', 'separator', 'Quit Lifeboat']);
    menu.find((m) => m.label === 'Backup now: billing')?.click?.(undefined as never, undefined, undefined as never);
    expect(actions.backupNow).toHaveBeenCalledWith('b');
  });

  it('says when jobs are running and that quitting cancels them', () => {
    const menu = trayMenuTemplate([], 2, { open: vi.fn(), backupNow: vi.fn(), quit: vi.fn() });
    expect(menu.map((m) => m.label ?? m.type)).toEqual([
      'Open Lifeboat', 'separator', 'No databases yet: open Lifeboat to add one', 'separator', '2 jobs running', 'Quit (cancels running jobs)',
    ]);
  });
});
