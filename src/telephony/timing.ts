/** Small promise helpers for deadlines and cancellation, shared by both gateways. */

/**
 * Settles with `promise`, or rejects with `onTimeout()` after `ms`, or with `onAbort(reason)` when
 * `signal` aborts first. The timer is always cleared, so nothing is left running.
 */
export function withDeadline<T>(
  promise: PromiseLike<T>,
  ms: number,
  onTimeout: () => Error,
  signal?: AbortSignal,
  onAbort: (reason: unknown) => Error = (reason) => (reason instanceof Error ? reason : new Error(String(reason))),
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", abortListener);
      fn();
    };
    const abortListener = (): void => finish(() => reject(onAbort(signal?.reason)));
    const timer = setTimeout(() => finish(() => reject(onTimeout())), ms);
    if (signal?.aborted) {
      abortListener();
      return;
    }
    signal?.addEventListener("abort", abortListener, { once: true });
    Promise.resolve(promise).then(
      (value) => finish(() => resolve(value)),
      (err: unknown) => finish(() => reject(err)),
    );
  });
}

/** Resolves after `ms`, or rejects with the abort reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
