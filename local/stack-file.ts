/**
 * `.local/stack.json`: where a running local stack (`npm start -- --keep-running`) says how to reach
 * it, so tools such as `npm run dlq` find its queues the way they find a deployed stack's outputs.
 * Written when the stack is kept running, removed when that process exits.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PROJECT_ROOT } from '../scripts/template.js';
import { LOCAL_AWS_ENV } from './moto.js';
import type { LocalStack } from './stack.js';

/** The default place of the stack file. */
export const DEFAULT_STACK_FILE = resolve(PROJECT_ROOT, '.local/stack.json');

/** What the stack file holds: the names a deployed stack's outputs would give, and the endpoints. */
export interface StackFile {
  /** The process that keeps the stack running. */
  pid: number;
  startedAt: string;
  region: string;
  endpoints: { moto: string; stepFunctions: string; genesys: string };
  /** The local stand-ins of the template's outputs (same names). */
  outputs: {
    EventsQueueUrl: string;
    EventsDeadLetterQueueUrl: string;
    RuleDeadLetterQueueUrl: string;
    StateMachineArn: string;
    EventBusName: string;
  };
}

/** Writes `stack`'s file (default {@link DEFAULT_STACK_FILE}) and returns its path. */
export function writeStackFile(stack: LocalStack, file: string = DEFAULT_STACK_FILE): string {
  const content: StackFile = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    region: LOCAL_AWS_ENV.AWS_REGION,
    endpoints: stack.endpoints,
    outputs: {
      EventsQueueUrl: stack.queues.eventsQueueUrl,
      EventsDeadLetterQueueUrl: stack.queues.deadLetterQueueUrl,
      RuleDeadLetterQueueUrl: stack.queues.ruleDeadLetterQueueUrl,
      StateMachineArn: stack.stateMachineArn,
      EventBusName: stack.busName,
    },
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

/** Reads a stack file; undefined when there is none. */
export function readStackFile(file: string = DEFAULT_STACK_FILE): StackFile | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as StackFile;
}

/** Removes the stack file if this process wrote it (a later stack may have replaced it). */
export function removeStackFile(file: string = DEFAULT_STACK_FILE): void {
  try {
    if (readStackFile(file)?.pid === process.pid) rmSync(file, { force: true });
  } catch {
    // unreadable: leave it; the DLQ tool reports a stack that does not answer
  }
}
