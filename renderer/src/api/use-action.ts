import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from './client.js';

export interface ActionState {
  /** True while an action started here is running (buttons show it and stay disabled). */
  busy: boolean;
  /** The last action's failure as the sentence to show, or null. */
  error: string | null;
  setError: (error: string | null) => void;
  /**
   * Runs one action (a contract call that changes something): clears the last error, marks busy,
   * and turns a failure into `error`. Resolves to the action's result, or undefined if it failed,
   * so a screen never needs its own try/catch.
   */
  run: <T>(action: () => Promise<T>) => Promise<T | undefined>;
}

/**
 * The one way a component performs actions (start, save, drop, pin…): consistent busy and error
 * handling. `describe` words a failure for this form when it knows better than the engine's
 * sentence (e.g. asking for a password again); by default the engine's message is shown.
 */
export function useAction(describe: (e: unknown) => string = errorMessage): ActionState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A screen left while its action runs must not be updated after it is gone.
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setError(null);
    setBusy(true);
    try {
      return await action();
    } catch (e) {
      if (mounted.current) setError(describe(e));
      return undefined;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, [describe]);
  return { busy, error, setError, run };
}
