import { useEffect, useRef, useState } from 'react';
import type { CallName, CallRequest, CallResponse, EventName } from '../../../shared/ipc-contract.js';
import { client, errorMessage } from './client.js';

export interface CallState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/**
 * One call of the contract as component state: keyed on the request (a new request starts a new
 * call), a slower answer to an older request never overwrites a newer one, and the call is made
 * again when one of `refreshOn` events arrives. `request: null` makes no call.
 */
export function useCall<K extends CallName>(name: K, request: CallRequest<K> | null, refreshOn: readonly EventName[] = []): CallState<CallResponse<K>> {
  const [state, setState] = useState<CallState<CallResponse<K>>>({ data: null, error: null, loading: request !== null });
  const key = request === null ? null : JSON.stringify(request);
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
    setState((s) => ({ ...s, loading: true }));
    client()
      .call(name, JSON.parse(key) as CallRequest<K>)
      .then(
        (data) => mine === latest.current && setState({ data, error: null, loading: false }),
        (e: unknown) => mine === latest.current && setState((s) => ({ data: s.data, error: errorMessage(e), loading: false })),
      );
  }, [name, key, tick]);

  return state;
}
