/** Writes and removes `.local/stack.json` (format: tools/dlq/stack-file.ts) for a stack kept running. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_STACK_FILE, readStackFile, type StackFile } from '../../tools/dlq/stack-file.js';
import type { LocalStack } from './index.js';
import { LOCAL_AWS_ENV, LOCAL_CREDENTIALS } from './moto.js';

/** Writes `stack`'s file (default {@link DEFAULT_STACK_FILE}) and returns its path. */
export function writeStackFile(stack: LocalStack, file: string = DEFAULT_STACK_FILE): string {
  const content: StackFile = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    endpoints: stack.endpoints,
    outputs: {
      EventsQueueUrl: stack.queues.eventsQueueUrl,
      EventsDeadLetterQueueUrl: stack.queues.deadLetterQueueUrl,
      RuleDeadLetterQueueUrl: stack.queues.ruleDeadLetterQueueUrl,
      StateMachineArn: stack.stateMachineArn,
      EventBusName: stack.busName,
      EventBusArn: stack.provisioned.busArn,
      ConversationEventsRuleArn: stack.provisioned.ruleArn,
      ...(stack.provisioned.archiveArn === undefined ? {} : { EventArchiveArn: stack.provisioned.archiveArn }),
    },
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

/** Removes the stack file if this process wrote it (a later stack may have replaced it). */
export function removeStackFile(file: string = DEFAULT_STACK_FILE): void {
  try {
    if (readStackFile(file)?.pid === process.pid) rmSync(file, { force: true });
  } catch {
    // unreadable: leave it; the DLQ tool reports a stack that does not answer
  }
}
