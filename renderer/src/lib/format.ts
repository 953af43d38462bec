export { formatBytes } from '../../../shared/progress.js';
export { formatDuration } from '../../../shared/duration.js';

export function formatTimeUtc(iso: string): string {
  return `${iso.slice(11, 19)} UTC`;
}

export function formatDateTimeUtc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}


const PHASES: Record<string, string> = {
  starting: 'Starting',
  connecting: 'Connecting to the database',
  dumping: 'Dumping and uploading',
  finalizing: 'Checking the stored object and writing the manifest',
  locating: 'Finding the backup',
  'preparing target': 'Preparing the target database',
  'cleaning up': 'Cleaning up',
  downloading: 'Downloading the backup',
  restoring: 'Restoring',
  verifying: 'Verifying',
  checking: 'Reading and checking the backup',
  done: 'Done',
};

export function phaseLabel(phase: string): string {
  return PHASES[phase] ?? phase;
}
