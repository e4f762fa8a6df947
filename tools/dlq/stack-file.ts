/**
 * `.local/stack.json`: where a running local stack (`npm start -- --keep-running`) says how to reach
 * it, so tools such as `npm run dlq` find its queues the way they find a deployed stack's outputs.
 * The format and its reader; local/stack/stack-file.ts writes it when the stack is kept running and
 * removes it when that process exits.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../../template/index.js';

/** The default place of the stack file. */
export const DEFAULT_STACK_FILE = resolve(PROJECT_ROOT, '.local/stack.json');

/** What the stack file holds: the names a deployed stack's outputs would give, and the endpoints. */
export interface StackFile {
  /** The process that keeps the stack running. */
  pid: number;
  startedAt: string;
  region: string;
  /** The local endpoints' fixed credentials (moto accepts any). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  endpoints: { moto: string; stepFunctions: string; genesys: string };
  /** The local stand-ins of the template's outputs (same names). */
  outputs: {
    EventsQueueUrl: string;
    EventsDeadLetterQueueUrl: string;
    RuleDeadLetterQueueUrl: string;
    StateMachineArn: string;
    EventBusName: string;
    /** What `npm run replay` reads; absent from the file of a stack started before replay existed. */
    EventBusArn?: string;
    ConversationEventsRuleArn?: string;
    /** Absent when the stack runs with EventArchiveRetentionDays 0. */
    EventArchiveArn?: string;
  };
}

/** Reads a stack file; undefined when there is none. */
export function readStackFile(file: string = DEFAULT_STACK_FILE): StackFile | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as StackFile;
}

/** Whether the process that wrote a stack file is alive (signal 0 checks without signalling). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
