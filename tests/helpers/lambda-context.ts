/** A fake Lambda context: what Powertools and middy read from the real one. */
import type { Context } from 'aws-lambda';

/** A context whose remaining time counts down from `timeoutMs` (default: the dispatcher's 180 s). */
export function lambdaContext(overrides: Partial<Context> & { timeoutMs?: number } = {}): Context {
  const { timeoutMs = 180_000, ...fields } = overrides;
  const deadline = Date.now() + timeoutMs;
  const functionName = fields.functionName ?? 'DispatcherFunction';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    ...fields,
  };
}
