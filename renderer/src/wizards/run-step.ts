import { errorMessage } from '../api/client.js';

/**
 * A wizard's steps that wait for the engine, for one reducer's dispatch: each dispatches that it
 * was asked, then the answer or the failure's sentence. The reducer decides whether the answer
 * still fits (a late one is ignored).
 */
export function stepRunner<A>(dispatch: (a: A) => void) {
  return async <T,>(asked: A, call: () => Promise<T>, answered: (value: T) => A, failed: (error: string) => A): Promise<void> => {
    dispatch(asked);
    let value: T;
    try {
      value = await call();
    } catch (e) {
      dispatch(failed(errorMessage(e)));
      return;
    }
    dispatch(answered(value));
  };
}
