/** Stops the parts of a local stack in the reverse order they started, once, whatever fails on the way. */

/** How to stop one part. */
export type Stop = () => Promise<unknown> | unknown;

/**
 * The parts started so far. A part registered after another stops before it, so nothing is stopped
 * while a part started later still uses it (the poller before the runtime, the runtime before moto).
 */
export class Lifecycle {
  private readonly parts: { name: string; stop: Stop }[] = [];
  private stopping: Promise<void> | undefined;

  /** Registers a started part by its own `stop()`, and hands it back. */
  add<Part extends { stop(): unknown }>(name: string, part: Part): Part {
    this.onStop(name, () => part.stop());
    return part;
  }

  /** Registers how to stop something that is not a part with a `stop()` of its own. */
  onStop(name: string, stop: Stop): void {
    this.parts.push({ name, stop });
  }

  /** Stops every part, last started first; a part that fails to stop is reported and the rest still stop. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** Runs a start-up; when it fails, stops what it had started and rethrows, so nothing is left running. */
  async starting<Started>(start: () => Promise<Started>): Promise<Started> {
    try {
      return await start();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Stops everything on SIGINT or SIGTERM, then raises the signal again so the process ends as it would have. */
  stopOnSignals(): void {
    const onSignal = (signal: NodeJS.Signals): void => {
      void this.stop().finally(() => process.kill(process.pid, signal));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    this.onStop('signal handlers', () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    });
  }

  private async stopAll(): Promise<void> {
    for (const { name, stop } of [...this.parts].reverse()) {
      try {
        await stop();
      } catch (error) {
        console.error(`local stack: stopping ${name} failed: ${(error as Error).message}`);
      }
    }
  }
}
