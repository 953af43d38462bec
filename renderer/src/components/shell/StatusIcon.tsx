import { CircleCheck, CircleDashed, CircleHelp, CircleX, LoaderCircle } from 'lucide-react';
import type { DbStatus } from './db-status.js';

const ICONS = { ok: CircleCheck, failing: CircleX, running: LoaderCircle, never: CircleDashed, unknown: CircleHelp } as const;

/** A status dot with its own shape per state (tick, cross, spinner, dashed ring), so colour is never the only signal. */
export function StatusIcon({ status, size = 14 }: { status: DbStatus; size?: number }) {
  const Icon = ICONS[status];
  return <Icon size={size} aria-hidden="true" className={`status-icon status-${status}${status === 'running' ? ' spin' : ''}`} />;
}
