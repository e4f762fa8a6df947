/**
 * A Lambda handler module for the local runtime's tests: module scope counts how often this module
 * instance was loaded and invoked, so a test can tell a warm environment from a cold one.
 * The event picks the behaviour: `{action: 'echo' | 'sleep' | 'throw' | 'env', ...}`.
 */
import { randomUUID } from 'node:crypto';

const instanceId = randomUUID();
let invocations = 0;

/** What the stand-in is asked to do. */
export type StandInEvent =
  | { action: 'echo'; value?: unknown }
  | { action: 'sleep'; ms: number }
  | { action: 'throw'; name: string; message: string }
  | { action: 'env'; names: string[] };

class NamedError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** The handler. */
export async function handler(event: StandInEvent, context: { awsRequestId: string; getRemainingTimeInMillis(): number }): Promise<unknown> {
  invocations += 1;
  const base = { instanceId, invocations, awsRequestId: context.awsRequestId, remainingMs: context.getRemainingTimeInMillis() };
  switch (event.action) {
    case 'echo':
      return { ...base, value: event.value };
    case 'sleep':
      await new Promise((resolve) => setTimeout(resolve, event.ms));
      return base;
    case 'throw':
      throw new NamedError(event.name, event.message);
    case 'env':
      return { ...base, env: Object.fromEntries(event.names.map((name) => [name, process.env[name] ?? null])) };
  }
}
