/** How {@link pollUntil} polls and how it fails. */
export interface PollOptions {
  /** What is awaited, for the timeout message ("the connector to run"). */
  readonly what: string;
  /** How long to keep polling, in milliseconds. */
  readonly timeoutMs: number;
  /** The pause between two probes, in milliseconds. @default 1000 */
  readonly intervalMs?: number;
  /** The state at the timeout, appended to its message (e.g. the last value seen). */
  readonly describe?: () => string;
  /**
   * Errors that end the polling at once (rethrown as they are). Other errors count as "not yet":
   * polling goes on and the last one is named in the timeout's message. @default every error is retried
   */
  readonly isFatal?: (err: unknown) => boolean;
  /** The error to throw when the time ran out, given the last error a probe threw ("" if none). @default a {@link PollTimeout} naming `what`, `describe()` and that error */
  readonly onTimeout?: (lastError: string) => Error;
}

/** The error {@link pollUntil} throws when the time ran out. */
export class PollTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PollTimeout";
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it returns a value other than `undefined`, and returns that value. Between
 * two probes it waits `intervalMs`; once `timeoutMs` has passed it throws, naming `what`, the
 * last error a probe threw and `describe()`.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const { what, timeoutMs, intervalMs = 1000, describe, isFatal = () => false } = options;
  const onTimeout =
    options.onTimeout ??
    ((lastError: string) => {
      const state = describe?.() ?? "";
      return new PollTimeout(`timed out after ${timeoutMs / 1000}s waiting for ${what}${state ? `. ${state}` : ""}${lastError ? ` (last error: ${lastError})` : ""}`);
    });
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (isFatal(err)) throw err;
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw onTimeout(lastError);
    await sleep(intervalMs);
  }
}
