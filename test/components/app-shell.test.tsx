// The app shell: databases with a status that is never colour alone, the jobs tray with Cancel,
// the theme override, toasts with the next action, the shortcuts dialog (focus trapped, Escape).
import { act, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView, TargetView } from '../../shared/ipc-contract.js';
import { App } from '../../renderer/src/App.js';
import { useTheme } from '../../renderer/src/components/shell/theme-store.js';
import { useJobs } from '../../renderer/src/stores/jobs-store.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { useTargets } from '../../renderer/src/stores/targets-store.js';
import { backup, connectFake, TARGET } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => {
  disconnect();
  useTheme.getState().setChoice('system');
});

const target = (id: string, name: string): TargetView => ({ ...TARGET, id, name });
const TARGETS = [target('t1', 'shop'), target('t2', 'billing'), target('t3', 'crm'), target('t4', 'wiki'), target('t5', 'empty')];

function job(extra: Partial<JobView>): JobView {
  return {
    id: 'j', kind: 'backup', title: 'Back up x', targetId: 't1', state: 'running', startedAt: '2026-11-25T10:00:00.000Z', finishedAt: null,
    progress: null, error: null, resultKey: null, resultDatabase: null, resultUrl: null, resultTemporary: false, ...extra,
  };
}

const RUNNING = job({ id: 'backup-wiki', targetId: 't4', title: 'Back up wiki to s3://backups/database_backups' });
const FAILED = job({ id: 'backup-crm', targetId: 't3', state: 'failed', startedAt: '2026-11-26T01:00:00.000Z', finishedAt: '2026-11-26T01:00:05.000Z', error: { code: 'X', message: 'The server refused.' } });

async function renderShell() {
  const c = connectFake({
    'targets.list': () => TARGETS,
    'jobs.list': () => ({ running: [RUNNING], recent: [FAILED] }),
    'jobs.cancel': () => ({ cancelled: true }),
    // shop and crm have a backup (crm's is older than its failed job); billing none; t5's listing is still loading.
    'backups.list': (r) => ({
      targetId: r.targetId,
      storage: 's3://backups/database_backups',
      backups: r.targetId === 't1' || r.targetId === 't3' ? [backup('2026-11-25T03:00:00.000Z')] : [],
      listedAt: r.targetId === 't5' ? null : '2026-11-26T00:00:00.000Z',
    }) as never,
  });
  disconnect = c.disconnect;
  render(<App />);
  await screen.findByRole('grid');
  return c.bridge;
}

describe('app shell', () => {
  it('lists every database with its status in words beside the coloured icon', async () => {
    await renderShell();
    const dbs = screen.getByRole('navigation', { name: 'Databases' });
    await within(dbs).findByRole('button', { name: 'shop, last backup ok' });
    expect(within(dbs).getByRole('button', { name: 'billing, never backed up' })).toBeTruthy();
    expect(within(dbs).getByRole('button', { name: 'crm, last backup failed' })).toBeTruthy();
    expect(within(dbs).getByRole('button', { name: 'wiki, backing up now' })).toBeTruthy();
    // Each status has its own icon shape too (tick, dashed ring, cross, spinner).
    const icon = (name: string) => within(dbs).getByRole('button', { name }).querySelector('svg.status-icon')?.getAttribute('class') ?? '';
    expect(icon('shop, last backup ok')).toMatch(/lucide-circle-check/);
    expect(icon('billing, never backed up')).toMatch(/lucide-circle-dashed/);
    expect(icon('crm, last backup failed')).toMatch(/lucide-circle-x/);
    expect(icon('wiki, backing up now')).toMatch(/spin/);

    // Choosing a database puts its storage and last backup in the header.
    await userEvent.click(within(dbs).getByRole('button', { name: 'crm, last backup failed' }));
    const header = screen.getByRole('banner', { name: 'Chosen database' });
    expect(header.textContent).toContain('crm');
    expect(header.textContent).toContain('last backup failed');
    expect(header.textContent).toContain('s3://backups/database_backups');
    expect(header.textContent).toContain('2026-11-25 03:00:00 UTC');
  });

  it('the jobs tray shows every running job with percent, time left and a Cancel, from any screen', async () => {
    const bridge = await renderShell();
    act(() => useNav.getState().go('schedule'));
    await userEvent.click(screen.getByRole('button', { name: /^Jobs 1 running/ }));
    const tray = screen.getByRole('region', { name: 'Running jobs' });
    act(() =>
      bridge.emit('job.progress', { jobId: 'backup-wiki', phase: 'dumping', bytes: 40, rate: 10, elapsedMs: 4000, totalBytes: 100, totalSource: 'previous backup', percent: 40, etaMs: 6000 }),
    );
    const item = within(tray).getByRole('listitem', { name: RUNNING.title });
    expect(item.textContent).toContain('about 40%');
    expect(item.textContent).toMatch(/\d s left/);
    expect(within(item).getByRole('progressbar').getAttribute('value')).toBe('40');
    await userEvent.click(within(item).getByRole('button', { name: `Cancel backup: ${RUNNING.title}` }));
    expect(bridge.calls.find((c) => c.name === 'jobs.cancel')?.request).toEqual({ jobId: 'backup-wiki' });

    // When it ends: gone from the tray, and a toast says so.
    act(() => bridge.emit('job.finished', { ...RUNNING, state: 'cancelled', finishedAt: '2026-11-25T10:01:00.000Z' }));
    expect(within(tray).getByText('Nothing is running')).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Job updates' })).getByRole('status', { name: 'Backup cancelled' })).toBeTruthy();
    // Escape closes the tray.
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('region', { name: 'Running jobs' })).toBeNull();
  });

  it('a job’s own progress panel shows percent, time left and how the total was found', async () => {
    const bridge = await renderShell();
    act(() => useTargets.getState().select('t4'));
    act(() => useJobs.getState().track('t4', RUNNING));
    act(() => useNav.getState().go('backup-now'));
    act(() =>
      bridge.emit('job.progress', { jobId: 'backup-wiki', phase: 'dumping', bytes: 40, rate: 10, elapsedMs: 4000, totalBytes: 100, totalSource: 'size on disk', percent: 40, etaMs: 125_000 }),
    );
    const panel = within(screen.getByRole('main')).getByRole('region', { name: `Progress of ${RUNNING.title}` });
    expect(panel.textContent).toContain('about 40%');
    expect(panel.textContent).toMatch(/about 2 min left/);
    expect(panel.textContent).toContain('of about 100 B (estimated from the database size on disk)');
    expect(within(panel).getByRole('progressbar').getAttribute('aria-valuetext')).toMatch(/^about 40%, about 2 min left$/);
    // Without a total: no percent, and the time left says why.
    act(() => bridge.emit('job.progress', { jobId: 'backup-wiki', phase: 'dumping', bytes: 50, rate: 10, elapsedMs: 5000, totalBytes: null }));
    expect(panel.textContent).not.toContain('%');
    expect(panel.textContent).toContain('unknown (no total)');
  });

  it('a finished backup toasts with "Show on calendar", which opens its day', async () => {
    const bridge = await renderShell();
    act(() => useNav.getState().go('activity'));
    act(() => bridge.emit('job.finished', { ...RUNNING, state: 'done', finishedAt: '2026-11-25T10:01:00.000Z', resultKey: 'database_backups/2026/11/25/wiki_20261125_100000.dump' }));
    const toast = within(screen.getByRole('region', { name: 'Job updates' })).getByRole('status', { name: 'Backup finished' });
    expect(toast.textContent).toContain('database_backups/2026/11/25/wiki_20261125_100000.dump');
    await userEvent.click(within(toast).getByRole('button', { name: 'Show on calendar' }));
    expect(useNav.getState()).toMatchObject({ screen: 'calendar', selectedDay: '2026-11-25' });
    expect(screen.getByRole('navigation', { name: 'Databases' }).querySelector('[aria-current="true"]')?.textContent).toContain('wiki');
    expect(screen.queryByRole('status', { name: 'Backup finished' })).toBeNull();
  });

  it('the theme follows the system until overridden, and the override is kept', async () => {
    await renderShell();
    const theme = screen.getByRole('group', { name: 'Theme' });
    expect(within(theme).getByRole('button', { name: 'Theme: follow the system' }).getAttribute('aria-pressed')).toBe('true');
    expect(document.documentElement.dataset.theme).toBeUndefined();
    await userEvent.click(within(theme).getByRole('button', { name: 'Theme: dark' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem('lifeboat.theme')).toBe('dark');
    expect(within(theme).getByRole('button', { name: 'Theme: dark' }).getAttribute('aria-pressed')).toBe('true');
    await userEvent.click(within(theme).getByRole('button', { name: 'Theme: follow the system' }));
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect(localStorage.getItem('lifeboat.theme')).toBeNull();
  });

  it('keyboard shortcuts move between sections, are shown in tooltips, and list themselves in a dialog that traps focus', async () => {
    await renderShell();
    const activity = within(screen.getByRole('navigation', { name: 'Main' })).getByRole('button', { name: /^Activity/ });
    expect(activity.getAttribute('title')).toBe('Activity (Ctrl+5)');
    expect(activity.getAttribute('aria-keyshortcuts')).toBe('Control+5');
    await userEvent.keyboard('{Control>}5{/Control}');
    expect(useNav.getState().screen).toBe('activity');
    await userEvent.keyboard('{Control>}b{/Control}');
    expect(useNav.getState().screen).toBe('backup-now');

    await userEvent.click(screen.getByRole('button', { name: 'Keyboard shortcuts' }));
    const dialog = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(dialog.textContent).toContain('Ctrl+B');
    await userEvent.tab();
    await userEvent.tab();
    await userEvent.tab();
    expect(dialog.contains(document.activeElement)).toBe(true);
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement?.textContent).toContain('Keyboard shortcuts');
  });
});
