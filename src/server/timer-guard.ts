/** Where a timer's failure goes (the server passes a logger call). */
export type TimerErrorSink = (e: Error) => void;

/**
 * Wraps a timer callback: an exception thrown in a timer is uncaught and ends the process, so it
 * is handed to `onError` (logged) instead, and the next tick runs as usual.
 */
export function guarded(onError: TimerErrorSink, fn: () => void): () => void {
  return () => {
    try {
      fn();
    } catch (e) {
      onError(e instanceof Error ? e : new Error(String(e)));
    }
  };
}

/** The sink of a component built without one (unit tests): the failure still shows, on stderr. */
export const stderrSink: TimerErrorSink = (e) => {
  process.stderr.write(`sealcast: a timer failed: ${e.stack ?? e.message}\n`);
};
