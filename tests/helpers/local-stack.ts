/** Local stacks for a describe block: on the suite's moto (tests/helpers/global-setup.js), time-scaled, stopped and cleaned up in its afterAll. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from '@jest/globals';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack/index.js';

/** The stacks of one describe block. */
export interface TestStacks {
  /** A scratch directory for the block (the stacks' bundles and logs are under it), removed in afterAll. */
  readonly scratch: string;
  /**
   * Starts a stack ten times faster than the template's clock, with short long polls so it stops
   * quickly and no signal handlers (jest owns the process), `overrides` over that.
   */
  start(overrides?: LocalStackOptions): Promise<LocalStack>;
}

/** Call in a describe block: afterAll stops every stack `start` started, whatever happened before, then removes `scratch`. */
export function useTestStacks(prefix: string): TestStacks {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  const started: LocalStack[] = [];
  afterAll(async () => {
    await Promise.all(started.map((stack) => stack.stop()));
    rmSync(scratch, { recursive: true, force: true });
  });
  return {
    scratch,
    async start(overrides = {}) {
      const stack = await startLocalStack({
        motoEndpoint: process.env.MOTO_ENDPOINT,
        timeScale: 10,
        pollWaitTimeSeconds: 1,
        buildDir: join(scratch, 'build'),
        logDir: join(scratch, 'logs'),
        handleSignals: false,
        ...overrides,
      });
      started.push(stack);
      return stack;
    },
  };
}
