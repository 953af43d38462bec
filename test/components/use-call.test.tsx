import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import { useCall } from '../../renderer/src/api/use-call.js';
import { connectFake } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

function Probe({ limit }: { limit: number }) {
  const r = useCall('activity.list', { limit }, ['job.finished']);
  return <p>{r.loading ? 'loading' : r.error ? `error: ${r.error}` : `rows ${r.data?.length ?? 0}`}</p>;
}

const rows = (k: number): ActivityEntry[] => Array.from({ length: k }, (_, i) => ({ id: String(i), kind: 'backup', outcome: 'success', profile: null, startedAt: '', endedAt: '', durationMs: 0, bytes: null, storage: null, key: null, summary: '', error: null, details: {} }));

describe('useCall', () => {
  it('keeps the answer to the newest request when an older one answers last, and calls again on its events', async () => {
    let releaseSlow: (v: ActivityEntry[]) => void = () => undefined;
    let calls = 0;
    const c = connectFake({
      'activity.list': (req) => {
        calls++;
        // The first request (limit 1) answers only when released, after the second.
        if (req.limit === 1) return new Promise<ActivityEntry[]>((r) => (releaseSlow = r)) as unknown as ActivityEntry[];
        return rows(req.limit ?? 0);
      },
    });
    disconnect = c.disconnect;
    const view = render(<Probe limit={1} />);
    view.rerender(<Probe limit={2} />);
    expect(await screen.findByText('rows 2')).toBeTruthy();
    await act(async () => {
      releaseSlow(rows(1));
      await Promise.resolve();
    });
    expect(screen.getByText('rows 2')).toBeTruthy();
    const before = calls;
    act(() => c.bridge.emit('job.finished', {} as never));
    expect(await screen.findByText('rows 2')).toBeTruthy();
    expect(calls).toBe(before + 1);
  });
});
