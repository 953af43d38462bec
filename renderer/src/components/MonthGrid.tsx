import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { BackupEntry } from '../../../shared/backup-entry.js';
import { DrillMarker, isDrilled } from './DrillMarker.js';
import { describeDay, monthTitle, monthWeeks, WEEKDAY_NAMES, type DaySummary, type YearMonth } from '../lib/calendar.js';

interface Props {
  month: YearMonth;
  byDay: Map<string, BackupEntry[]>;
  failedByDay: Map<string, number>;
  /** Future scheduled runs per day. */
  scheduledByDay?: Map<string, number>;
  selectedDay: string | null;
  onSelect: (day: string) => void;
  /** Arrow keys past the month's edge move to the neighbouring month. */
  onShiftMonth: (n: number) => void;
}

function summarize(list: readonly BackupEntry[] | undefined, failed: number, scheduled: number): DaySummary {
  const l = list ?? [];
  return {
    count: l.length,
    pinned: l.filter((b) => b.pinned).length,
    withoutManifest: l.filter((b) => !b.hasManifest).length,
    failedJobs: failed,
    scheduled,
    verified: l.filter((b) => b.verification?.outcome === 'passed').length,
    failedVerification: l.filter((b) => b.verification?.outcome === 'failed').length,
    drilled: l.filter(isDrilled).length,
  };
}

/** 0 for Monday … 6 for Sunday. */
function weekday(day: string): number {
  return (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
}

/**
 * The month as an ARIA grid: one labelled cell per day ("25 November 2026: 2 backups, 1 pinned"),
 * a roving tabindex, arrow keys / Home / End / Page Up / Page Down, Enter or Space to open a day.
 */
export function MonthGrid({ month, byDay, failedByDay, scheduledByDay, selectedDay, onSelect, onShiftMonth }: Props) {
  const weeks = monthWeeks(month);
  const days = weeks.flat().filter((d): d is string => d !== null);
  const [focusDay, setFocusDay] = useState<string>(selectedDay && days.includes(selectedDay) ? selectedDay : (days[0] ?? ''));
  const gridRef = useRef<HTMLTableElement>(null);
  const wantFocus = useRef(false);

  useEffect(() => {
    if (!days.includes(focusDay)) setFocusDay(selectedDay && days.includes(selectedDay) ? selectedDay : (days[0] ?? ''));
  }, [days, focusDay, selectedDay]);

  useEffect(() => {
    if (!wantFocus.current) return;
    wantFocus.current = false;
    gridRef.current?.querySelector<HTMLElement>(`[data-day="${focusDay}"]`)?.focus();
  }, [focusDay]);

  const move = (delta: number) => {
    const i = days.indexOf(focusDay);
    const j = i + delta;
    wantFocus.current = true;
    if (j < 0) onShiftMonth(-1);
    else if (j >= days.length) onShiftMonth(1);
    else setFocusDay(days[j] ?? focusDay);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowLeft: () => move(-1),
      ArrowRight: () => move(1),
      ArrowUp: () => move(-7),
      ArrowDown: () => move(7),
      Home: () => move(-weekday(focusDay)),
      End: () => move(6 - weekday(focusDay)),
      PageUp: () => onShiftMonth(-1),
      PageDown: () => onShiftMonth(1),
      Enter: () => onSelect(focusDay),
      ' ': () => onSelect(focusDay),
    };
    const action = keys[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  };

  return (
    <table role="grid" aria-label={`Backups in ${monthTitle(month)}`} className="month-grid" ref={gridRef} onKeyDown={onKeyDown}>
      <thead>
        <tr role="row">
          {WEEKDAY_NAMES.map((w) => (
            <th key={w} role="columnheader" scope="col" abbr={w}>
              {w.slice(0, 3)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {weeks.map((week, wi) => (
          <tr role="row" key={wi}>
            {week.map((day, di) => {
              if (!day) return <td role="gridcell" key={di} className="outside" aria-hidden="true" />;
              const s = summarize(byDay.get(day), failedByDay.get(day) ?? 0, scheduledByDay?.get(day) ?? 0);
              const state = s.failedJobs > 0 || s.failedVerification > 0 ? 'failed' : s.count === 0 ? 'empty' : s.withoutManifest === s.count ? 'foreign' : 'ok';
              return (
                <td
                  role="gridcell"
                  key={day}
                  data-day={day}
                  tabIndex={day === focusDay ? 0 : -1}
                  aria-label={describeDay(day, s)}
                  aria-selected={day === selectedDay}
                  className={`day ${state}${day === selectedDay ? ' selected' : ''}`}
                  onClick={() => {
                    setFocusDay(day);
                    onSelect(day);
                  }}
                  onFocus={() => setFocusDay(day)}
                >
                  <span className="day-number" aria-hidden="true">
                    {Number(day.slice(8))}
                  </span>
                  {(s.count > 0 || s.failedJobs > 0 || (s.scheduled ?? 0) > 0) && (
                    <span className="day-badges" aria-hidden="true">
                      {s.count > 0 && <span className="badge count">{s.count}</span>}
                      {s.pinned > 0 && <span className="badge pinned">pinned {s.pinned}</span>}
                      {s.verified > 0 && <span className="badge verified">verified {s.verified}</span>}
                      {(s.drilled ?? 0) > 0 && <DrillMarker count={s.drilled ?? 0} />}
                      {s.failedJobs + s.failedVerification > 0 && <span className="badge failed">failed {s.failedJobs + s.failedVerification}</span>}
                      {(s.scheduled ?? 0) > 0 && <span className="badge scheduled">scheduled {s.scheduled}</span>}
                    </span>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
