import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { TargetView } from '../../../shared/ipc-contract.js';
import { BackupHistoryPanel } from '../components/BackupHistoryPanel.js';
import { BackupTable } from '../components/BackupTable.js';
import { ErrorText } from '../components/ErrorText.js';
import { MonthGrid } from '../components/MonthGrid.js';
import { dayKey, longDay, monthTitle, ymOf } from '../lib/calendar.js';
import { backupsOf, useBackups } from '../stores/backups-store.js';
import { failedBackupStarts, useJobs } from '../stores/jobs-store.js';
import { useNav } from '../stores/nav-store.js';
import { useSchedules } from '../stores/schedules-store.js';

const LIST_LIMIT = 200;

export function CalendarScreen({ target }: { target: TargetView }) {
  const backups = useBackups((s) => backupsOf(s, target.id));
  const load = useBackups((s) => s.load);
  // Only what the calendar shows of the jobs: progress ticks leave this list equal, so they do not re-render the grid or the day's table.
  const failedStarts = useJobs(useShallow((s) => failedBackupStarts(s, target.id)));
  const nav = useNav();

  useEffect(() => {
    if (!useBackups.getState().byTarget[target.id]) void load(target.id);
  }, [target.id, load]);

  // Open on the month of the newest backup when the month shown has none: when a listing arrives
  // and when another database is chosen, not when the user moves between months. The database is
  // part of the trigger because two listings fetched together can carry the same listedAt.
  const newest = backups.entries[0]?.createdAt;
  useEffect(() => {
    if (!newest) return;
    const m = useNav.getState().month;
    const prefix = `${m.year}-${String(m.month + 1).padStart(2, '0')}`;
    const hasAny = [...backups.byDay.keys()].some((d) => d.startsWith(prefix));
    if (!hasAny) useNav.getState().showMonth(ymOf(newest));
  }, [target.id, backups.listedAt]);

  const failedByDay = useMemo(() => {
    const m = new Map<string, number>();
    for (const startedAt of failedStarts) m.set(dayKey(startedAt), (m.get(dayKey(startedAt)) ?? 0) + 1);
    return m;
  }, [failedStarts]);

  // Scheduled runs of this target from now to the end of the month shown (UTC days, as the grid).
  const runs = useSchedules((s) => s.runs);
  const schedules = useSchedules((s) => s.schedules);
  useEffect(() => {
    const end = new Date(Date.UTC(nav.month.year, nav.month.month + 1, 1));
    const from = new Date();
    if (end > from) void useSchedules.getState().loadRuns(from, end);
  }, [nav.month.year, nav.month.month, schedules]);
  const scheduledByDay = useMemo(() => {
    const m = new Map<string, number>();
    for (const r of runs) if (r.targetId === target.id) m.set(dayKey(r.at), (m.get(dayKey(r.at)) ?? 0) + 1);
    return m;
  }, [runs, target.id]);

  const q = nav.query.trim().toLowerCase();
  const matches = useMemo(
    () => (q === '' ? backups.entries : backups.entries.filter((b) => b.key.toLowerCase().includes(q) || (b.label ?? '').toLowerCase().includes(q))),
    [backups.entries, q],
  );

  const dayList = nav.selectedDay ? (backups.byDay.get(nav.selectedDay) ?? []) : [];

  return (
    <section aria-labelledby="calendar-title" className="calendar-screen">
      <header className="screen-header">
        <h2 id="calendar-title">Backups of {target.name}</h2>
        <p className="muted">
          {backups.storage ?? target.storageUrl} · {backups.entries.length} backup{backups.entries.length === 1 ? '' : 's'} · times in UTC
        </p>
        <div className="row" role="toolbar" aria-label="Calendar view">
          <button type="button" aria-pressed={nav.calendarView === 'month'} onClick={() => nav.setView('month')}>
            Month view
          </button>
          <button type="button" aria-pressed={nav.calendarView === 'list'} onClick={() => nav.setView('list')}>
            List view
          </button>
          <button type="button" onClick={() => void load(target.id)} disabled={backups.loading}>
            {backups.loading ? 'Refreshing…' : 'Refresh'}
          </button>
          <button type="button" className="primary" onClick={() => nav.go('backup-now')}>
            Backup now
          </button>
        </div>
      </header>
      <ErrorText message={backups.error} />
      {backups.fromCopy && (
        <p role="note" className="warn" aria-label="Read from a copy">
          {backups.fromCopy}
        </p>
      )}
      {backups.interrupted && <p role="note" aria-label="Interrupted backups">{backups.interrupted}</p>}
      {backups.loading && backups.listedAt === null && <p role="status">Listing backups…</p>}

      {nav.calendarView === 'month' ? (
        <>
          <div className="row month-nav">
            <button type="button" aria-label="Previous month" onClick={() => nav.shiftMonth(-1)}>
              ‹
            </button>
            <h3 aria-live="polite">{monthTitle(nav.month)}</h3>
            <button type="button" aria-label="Next month" onClick={() => nav.shiftMonth(1)}>
              ›
            </button>
          </div>
          <MonthGrid month={nav.month} byDay={backups.byDay} failedByDay={failedByDay} scheduledByDay={scheduledByDay} selectedDay={nav.selectedDay} onSelect={nav.selectDay} onShiftMonth={nav.shiftMonth} />
          {nav.selectedDay && (
            <section aria-label={`Backups on ${longDay(nav.selectedDay)}`} className="day-list">
              {dayList.length === 0 ? (
                <p>No backups on {longDay(nav.selectedDay)}.</p>
              ) : (
                <BackupTable caption={`Backups on ${longDay(nav.selectedDay)}`} targetId={target.id} backups={dayList} />
              )}
            </section>
          )}
          <BackupHistoryPanel target={target} now={Date.now()} />
        </>
      ) : (
        <section aria-label="All backups" className="list-view">
          <label htmlFor="backup-search">Search backups by key or label</label>
          <input id="backup-search" type="search" value={nav.query} onChange={(e) => nav.setQuery(e.target.value)} placeholder="before migration" />
          <p role="status">
            {matches.length} backup{matches.length === 1 ? '' : 's'} match{matches.length === 1 ? 'es' : ''}
            {matches.length > LIST_LIMIT ? `; showing the newest ${LIST_LIMIT}, refine the search to see others` : ''}.
          </p>
          <BackupTable caption="Matching backups, newest first" targetId={target.id} backups={matches.slice(0, LIST_LIMIT)} withDate />
        </section>
      )}
    </section>
  );
}
