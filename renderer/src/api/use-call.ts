import { useEffect, useRef, useState } from 'react';
import type { CallName, CallRequest, CallResponse, EventName } from '../../../shared/ipc-contract.js';
import { client, errorMessage } from './client.js';

export interface CallState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  /** Asks the same request again (a user's "again", or data known to have changed without an event). */
  refresh: () => void;
}

interface Answer<T> {
  key: string | null;
  data: T | null;
  error: string | null;
}

/**
 * One call of the contract as component state: keyed on the request (a new request starts a new
 * call), a slower answer to an older request never overwrites a newer one, and the call is made
 * again when one of `refreshOn` events arrives. `request: null` makes no call. While a new
 * request is answered, `data` is null — unless `keepPrevious` (a live preview while typing), when
 * the last answer stays on screen until the new one arrives.
 */
export function useCall<K extends CallName>(
  name: K,
  request: CallRequest<K> | null,
  refreshOn: readonly EventName[] = [],
  opts: { keepPrevious?: boolean } = {},
): CallState<CallResponse<K>> {
  const key = request === null ? null : JSON.stringify(request);
  const [answer, setAnswer] = useState<Answer<CallResponse<K>>>({ key: null, data: null, error: null });
  const latest = useRef(0);
  const [tick, setTick] = useState(0);

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
        (data) => mine === latest.current && setAnswer({ key, data, error: null }),
        (e: unknown) => mine === latest.current && setAnswer((a) => ({ key, data: a.key === key ? a.data : null, error: errorMessage(e) })),
      );
  }, [name, key, tick]);

  const current = answer.key === key;
  return {
    data: current || opts.keepPrevious ? answer.data : null,
    error: current ? answer.error : null,
    loading: key !== null && !current,
    refresh: () => {
      // The answer on screen is for this key; a refresh shows it until the new one arrives.
      setTick((t) => t + 1);
    },
  };
}
