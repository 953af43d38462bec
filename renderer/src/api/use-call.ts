import { useEffect, useRef, useState } from 'react';
import type { CallName, CallRequest, CallResponse, EventName } from '../../../shared/ipc-contract.js';
import { client, errorMessage } from './client.js';

export interface CallState<T> {
  data: T | null;
  error: string | null;
  /** A first answer to this request, or one asked for with refresh(), is awaited. */
  loading: boolean;
  /** Asks the same request again (the user's "again": a live database may have changed). */
  refresh: () => void;
}

interface Answer<T> {
  key: string | null;
  /** Which refresh() the answer is for: an older one still leaves `loading` true. */
  again: number;
  data: T | null;
  error: string | null;
}

/**
 * One call of the contract as component state: keyed on the request (a new request starts a new
 * call), a slower answer to an older request never overwrites a newer one, and the call is made
 * again when one of `refreshOn` events arrives (quietly: the answer on screen stays until the new
 * one replaces it) or when refresh() is called. `request: null` makes no call. While a new request
 * is answered, `data` is null — unless `keepPrevious` (a live preview while typing), when the last
 * answer stays on screen until the new one arrives.
 */
export function useCall<K extends CallName>(
  name: K,
  request: CallRequest<K> | null,
  refreshOn: readonly EventName[] = [],
  opts: { keepPrevious?: boolean } = {},
): CallState<CallResponse<K>> {
  const key = request === null ? null : JSON.stringify(request);
  const [answer, setAnswer] = useState<Answer<CallResponse<K>>>({ key: null, again: 0, data: null, error: null });
  const latest = useRef(0);
  const [tick, setTick] = useState(0);
  const [again, setAgain] = useState(0);

  useEffect(() => {
    if (refreshOn.length === 0) return;
    const offs = refreshOn.map((e) => client().on(e, () => setTick((t) => t + 1)));
    return () => offs.forEach((off) => off());
    // The event names are a constant list per call site.
  }, [refreshOn.join(',')]);

  useEffect(() => {
    if (key === null) return;
    const mine = ++latest.current;
    client()
      .call(name, JSON.parse(key) as CallRequest<K>)
      .then(
        (data) => mine === latest.current && setAnswer({ key, again, data, error: null }),
        (e: unknown) => mine === latest.current && setAnswer((a) => ({ key, again, data: a.key === key ? a.data : null, error: errorMessage(e) })),
      );
  }, [name, key, tick, again]);

  const current = answer.key === key;
  return {
    data: current || opts.keepPrevious ? answer.data : null,
    error: current ? answer.error : null,
    loading: key !== null && (!current || answer.again !== again),
    refresh: () => setAgain((n) => n + 1),
  };
}
