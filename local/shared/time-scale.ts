/**
 * How the local stack shrinks durations under `--time-scale`. Waits (retry intervals, backoff caps,
 * batching windows) shrink by the full factor. Timeouts shrink too, but never below a floor: they
 * bound real work (a cold start, a secret and token fetch, a Genesys round trip) that the time scale
 * does not speed up, and a timeout cut below it turns a healthy run into spurious retries.
 */

/** No scaled timeout goes below this many seconds (or below the unscaled timeout, if that is shorter). */
export const MIN_SCALED_TIMEOUT_SECONDS = 5;

/** A timeout of `seconds` under `timeScale`, floored at `floorSeconds` (tests of the timeout itself pass 0). */
export function scaledTimeoutSeconds(seconds: number, timeScale: number, floorSeconds = MIN_SCALED_TIMEOUT_SECONDS): number {
  if (timeScale <= 1) return seconds;
  return Math.max(seconds / timeScale, Math.min(seconds, floorSeconds));
}
