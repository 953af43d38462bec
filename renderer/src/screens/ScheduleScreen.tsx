import { useEffect, useMemo, useState } from 'react';
import type { DeliveryView, ScheduleView, TargetView } from '../../../shared/ipc-contract.js';
import { durationText, parseRtoTarget } from '../../../shared/duration.js';
import type { RetentionPlan } from '../../../shared/retention.js';
import { client } from '../api/client.js';
import { useAction } from '../api/use-action.js';
import { useCall } from '../api/use-call.js';
import { ErrorText } from '../components/ErrorText.js';
import { RtoField } from '../components/RtoField.js';
import { formatDateTimeUtc } from '../lib/format.js';
import { schedulesOf, useSchedules } from '../stores/schedules-store.js';

type Mode = 'daily' | 'cron';

/** Waits until the user pauses typing before asking the engine (next runs, retention preview). */
function useDebounced<T>(value: T, ms = 300): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** A name for a new schedule of this database that no schedule uses yet. */
function freshName(targetId: string, taken: readonly string[]): string {
  if (!taken.includes(targetId)) return targetId;
  for (let i = 2; ; i++) if (!taken.includes(`${targetId}-${i}`)) return `${targetId}-${i}`;
}

/**
 * Every schedule of the database (made here or with `lifeboat scheduler add --profile`), each
 * editable by name: the editor with the next five runs, retention with a live preview, "Run now",
 * and notifications with a test. Saving sends only what this screen edits; the engine keeps the rest.
 */
export function ScheduleScreen({ target }: { target: TargetView }) {
  const allSchedules = useSchedules((s) => s.schedules);
  const mine = useMemo(() => schedulesOf(allSchedules, target.id), [allSchedules, target.id]);
  // The schedule being edited, by name; null: a new one (its name typed, or null for the suggestion).
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [newName, setNewName] = useState<string | null>(null);
  const saved: ScheduleView | null = mine.find((s) => s.name === selected) ?? null;
  const [mode, setMode] = useState<Mode>('daily');
  const [time, setTime] = useState('03:00');
  const [cron, setCron] = useState('0 3 * * *');
  const [timezone, setTimezone] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [catchUp, setCatchUp] = useState(true);
  const [keepDays, setKeepDays] = useState('30');
  const [keepLast, setKeepLast] = useState('3');
  const [prune, setPrune] = useState(true);
  const [rto, setRto] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  // Save and remove; Run now has its own, so its button says "Running…" only for a run.
  const edit = useAction();
  const runNowAction = useAction();
  const error = runNowAction.error ?? edit.error;
  const clearErrors = () => {
    edit.setError(null);
    runNowAction.setError(null);
  };
  const saveSchedule = useSchedules((s) => s.save);
  const removeSchedule = useSchedules((s) => s.remove);

  // Another database: start on its first schedule, or on a new one.
  useEffect(() => {
    setSelected(null);
    setCreating(false);
    setNewName(null);
    setStatus(null);
    clearErrors();
  }, [target.id]);
  useEffect(() => {
    if (creating) return;
    if (selected === null || !mine.some((s) => s.name === selected)) setSelected(mine[0]?.name ?? null);
  }, [mine, selected, creating]);

  // Load the chosen schedule into the form whenever it (or what is saved of it) changes.
  useEffect(() => {
    if (!saved) return;
    if ('daily' in saved.when) {
      setMode('daily');
      setTime(saved.when.daily);
    } else {
      setMode('cron');
      setCron(saved.when.cron);
    }
    setTimezone(saved.timezone ?? '');
    setEnabled(saved.enabled);
    setCatchUp(saved.catchUp);
    setPrune(saved.retention !== null);
    setRto(saved.rtoMs === null ? '' : durationText(saved.rtoMs));
    if (saved.retention) {
      setKeepDays(String(saved.retention.keepDays));
      setKeepLast(String(saved.retention.keepLast));
    }
  }, [saved]);

  const startNew = () => {
    setSelected(null);
    setCreating(true);
    setNewName(null);
    setStatus(null);
    clearErrors();
  };
  const choose = (name: string) => {
    setSelected(name);
    setCreating(false);
    setStatus(null);
    clearErrors();
  };
  const name = saved ? saved.name : (newName ?? freshName(target.id, allSchedules.map((s) => s.name)));

  const when = mode === 'daily' ? { daily: time } : { cron };
  // The previews go through useCall: keyed on the (debounced) request, so a slow answer to what
  // the user typed before never replaces the answer to what is typed now.
  const timing = JSON.parse(useDebounced(JSON.stringify({ when, timezone }))) as { when: { daily: string } | { cron: string }; timezone: string };
  const runs = useCall('schedules.preview', { when: timing.when, timezone: timing.timezone === '' ? null : timing.timezone }, [], { keepPrevious: true });
  const preview = runs.error !== null ? { nextRuns: [], problem: runs.error } : runs.data;

  const [d, l] = useDebounced(`${keepDays}|${keepLast}`).split('|').map(Number);
  const retention = useCall('retention.preview', Number.isInteger(d) && Number.isInteger(l) ? { targetId: target.id, keepDays: d ?? 30, keepLast: l ?? 3 } : null, ['backups.changed'], { keepPrevious: true });
  const plan: RetentionPlan | null = retention.data;
  const planError = retention.error;

  const save = () => {
    clearErrors();
    setStatus(null);
    const rtoTarget = parseRtoTarget(rto);
    if (!rtoTarget.ok) {
      edit.setError(rtoTarget.problem);
      return;
    }
    return edit.run(async () => {
      const v = await saveSchedule({
        targetId: target.id,
        name,
        when,
        timezone: timezone === '' ? null : timezone,
        enabled,
        catchUp,
        retention: prune ? { keepDays: Number(keepDays), keepLast: Number(keepLast) } : null,
        rtoMs: rtoTarget.ms,
      });
      setSelected(v.name);
      setCreating(false);
      setNewName(null);
      setStatus(`Schedule saved. Next run: ${v.nextRuns[0] ? formatDateTimeUtc(v.nextRuns[0]) : 'none (disabled)'}.`);
    });
  };

  const remove = () => {
    clearErrors();
    return edit.run(async () => {
      const r = await removeSchedule({ targetId: target.id, name });
      setSelected(null);
      setCreating(false);
      setStatus(r.removed ? `Schedule removed: "${name}"; backups already made stay.${r.leases ? ` ${r.leases}` : ''}` : 'There was no schedule to remove.');
    });
  };

  const runNow = async () => {
    clearErrors();
    setStatus(`Running "${name}" now…`);
    const r = await runNowAction.run(() => client().call('schedules.runNow', { targetId: target.id, name }));
    if (r?.outcome === 'success' && r.partlyCopied) {
      // Stored, but not everywhere: said as a problem, never as a plain success.
      setStatus(null);
      runNowAction.setError(`The run of "${name}" stored ${r.key ?? ''}, but ${r.partlyCopied}`);
    } else if (r?.outcome === 'success') setStatus(`Run now of "${name}" finished: stored ${r.key ?? ''}.`);
    else {
      setStatus(null);
      if (r) runNowAction.setError(r.outcome === 'cancelled' ? `The run of "${name}" was cancelled.` : `The run of "${name}" failed after ${r.attempts} attempt(s): ${r.error ?? 'unknown error'}`);
    }
  };

  const deletions = plan?.backups.filter((b) => b.action === 'delete') ?? [];

  return (
    <section aria-labelledby="schedule-title" className="schedule-screen">
      <h2 id="schedule-title">Schedule for {target.name}</h2>
      <nav aria-label="Schedules of this database" className="row">
        {mine.map((s) => (
          <button key={s.name} type="button" aria-pressed={s.name === selected} onClick={() => choose(s.name)}>
            {s.name}
            {s.enabled ? '' : ' (disabled)'}
          </button>
        ))}
        <button type="button" aria-pressed={saved === null} onClick={startNew}>
          New schedule
        </button>
      </nav>
      {mine.length > 1 && <p className="muted">This database has {mine.length} schedules; each runs on its own timing.</p>}
      {saved?.problem && <p role="alert">The scheduler skips this schedule: {saved.problem}. Save it again with a valid time to fix it.</p>}
      {saved && (
        <p className="muted">
          Also kept when you save: {saved.retries} retr{saved.retries === 1 ? 'y' : 'ies'} (first after {saved.retryDelaySeconds} s, then doubling);{' '}
          {saved.verifyEveryDays === null ? 'no verification' : `${saved.verifyDeep ? 'deep' : 'quick'} verification every ${saved.verifyEveryDays} day${saved.verifyEveryDays === 1 ? '' : 's'}`}.
        </p>
      )}
      {saved && (
        <p className="muted">
          Last run: {saved.lastRunAt ? `${formatDateTimeUtc(saved.lastRunAt)}, ${saved.lastOutcome ?? ''}` : 'not yet'}.
        </p>
      )}
      {saved?.lastTakenElsewhere && (
        <p className="muted">
          {saved.lastTakenElsewhere.done ? 'Backed up' : 'Being backed up'} by {saved.lastTakenElsewhere.by} (another scheduler sharing this storage): the run of{' '}
          {formatDateTimeUtc(saved.lastTakenElsewhere.slot)}, so not run here.
        </p>
      )}
      <form aria-label="Schedule" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <label>
          Schedule name{' '}
          <input value={name} readOnly={saved !== null} onChange={(e) => setNewName(e.target.value)} />
        </label>
        <fieldset>
          <legend>When</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'daily'} onChange={() => setMode('daily')} /> Every day at
          </label>{' '}
          <input aria-label="Time of day" type="time" value={time} onChange={(e) => setTime(e.target.value)} disabled={mode !== 'daily'} />
          <br />
          <label>
            <input type="radio" name="mode" checked={mode === 'cron'} onChange={() => setMode('cron')} /> Cron expression
          </label>{' '}
          <input aria-label="Cron expression" value={cron} onChange={(e) => setCron(e.target.value)} disabled={mode !== 'cron'} placeholder="0 3 * * *" />
          <br />
          <label>
            Time zone <input value={timezone} onChange={(e) => setTimezone(e.target.value)} placeholder="this computer's (e.g. Europe/Berlin)" />
          </label>
        </fieldset>
        <section aria-label="Next runs" className="next-runs">
          <h3>Next five runs (UTC)</h3>
          {preview?.problem ? (
            <p role="alert" className="error">{preview.problem}</p>
          ) : (
            <ol>
              {(preview?.nextRuns ?? []).map((r) => (
                <li key={r}>{formatDateTimeUtc(r)}</li>
              ))}
            </ol>
          )}
        </section>
        <label>
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
        </label>{' '}
        <label>
          <input type="checkbox" checked={catchUp} onChange={(e) => setCatchUp(e.target.checked)} /> Catch up a missed run once (after sleep or when the app starts)
        </label>

        <fieldset>
          <legend>Retention after each backup</legend>
          <label>
            <input type="checkbox" checked={prune} onChange={(e) => setPrune(e.target.checked)} /> Delete old backups
          </label>
          <div className="row">
            <label>
              Keep days <input type="number" min={0} value={keepDays} onChange={(e) => setKeepDays(e.target.value)} />
            </label>
            <label>
              Always keep the newest <input type="number" min={1} value={keepLast} onChange={(e) => setKeepLast(e.target.value)} />
            </label>
          </div>
          <p className="muted">Pinned backups and anything inside the window are never deleted.</p>
          <ErrorText message={planError} />
          {plan && (
            <section aria-label="Retention preview">
              <p role="status">
                This policy would delete {plan.delete} of {plan.backups.length} backup{plan.backups.length === 1 ? '' : 's'} now.
              </p>
              {deletions.length > 0 && (
                <table className="backups">
                  <caption>Backups this policy would delete</caption>
                  <thead>
                    <tr>
                      <th scope="col">Backup</th>
                      <th scope="col">Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {deletions.map((b) => (
                      <tr key={b.key}>
                        <td>{b.key}</td>
                        <td>{b.explanation}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          )}
        </fieldset>
        <RtoField value={rto} onChange={setRto} deep={saved?.verifyDeep ?? false} />
        <div className="row">
          <button type="submit" className="primary">Save schedule</button>
          {saved && (
            <button type="button" onClick={() => void runNow()} disabled={runNowAction.busy}>
              {runNowAction.busy ? 'Running…' : 'Run now'}
            </button>
          )}
          {saved && <button type="button" onClick={() => void remove()}>Remove schedule</button>}
        </div>
        {status && <p role="status">{status}</p>}
        <ErrorText message={error} />
      </form>
      <NotificationSettings />
      <StartAtLogin />
    </section>
  );
}

/** The scheduler runs inside the app: starting it at login keeps schedules running after a reboot. */
function StartAtLogin() {
  const login = useCall('app.loginItem.get', {});
  const action = useAction();
  const [changed, setChanged] = useState<{ supported: boolean; openAtLogin: boolean } | null>(null);
  // What the last change answered, else what was read.
  const state = changed ?? login.data;
  const error = action.error ?? login.error;
  const change = async (openAtLogin: boolean) => {
    const r = await action.run(() => client().call('app.loginItem.set', { openAtLogin }));
    if (r) setChanged(r);
  };
  return (
    <section aria-labelledby="login-title">
      <h3 id="login-title">Start at login</h3>
      <label>
        <input type="checkbox" checked={state?.openAtLogin ?? false} disabled={!state?.supported} onChange={(e) => void change(e.target.checked)} />{' '}
        Start Lifeboat in the tray when I log in, so schedules run without opening it
      </label>
      {state && !state.supported && (
        <p className="muted">This is a setting of the desktop app; in the browser harness run the scheduler as a service (see the README).</p>
      )}
      <ErrorText message={error} />
    </section>
  );
}

function NotificationSettings() {
  const list = useCall('notifications.list', {});
  const channels = list.data?.channels ?? null;
  const action = useAction();
  const [deliveries, setDeliveries] = useState<DeliveryView[] | null>(null);
  const error = action.error ?? list.error;
  const sending = action.busy;
  const test = async () => {
    const r = await action.run(() => client().call('notifications.test', {}));
    if (r) setDeliveries(r.deliveries);
  };
  return (
    <section aria-labelledby="notify-title">
      <h3 id="notify-title">Notifications</h3>
      <p className="muted">Failures show as desktop notifications. Webhooks and Sentry are set up on the command line (see the README); their URLs stay in environment variables.</p>
      {channels && channels.length === 0 && <p>No webhook or Sentry channel is set up.</p>}
      {channels && channels.length > 0 && (
        <ul className="plain">
          {channels.map((c) => (
            <li key={c.name}>
              {c.name} ({c.kind}): {c.configured ? `URL from $${c.urlEnv}` : `$${c.urlEnv} is not set`}; {c.events.join(', ')}
            </li>
          ))}
        </ul>
      )}
      <button type="button" onClick={() => void test()} disabled={sending}>
        {sending ? 'Sending…' : 'Send test notification'}
      </button>
      {deliveries && (
        <ul aria-label="Delivery results" className="plain">
          {deliveries.map((d) => (
            <li key={d.channel}>
              {d.channel}: {d.ok ? 'delivered' : `not delivered — ${d.error ?? ''}`} after {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
              {d.status ? ` (HTTP ${d.status})` : ''}
            </li>
          ))}
        </ul>
      )}
      <ErrorText message={error} />
    </section>
  );
}
