/**
 * The Lambda tasks of a state machine, answered as Step Functions' Lambda integration answers them:
 * errors reach Retry/Catch with error = the Lambda errorType and cause = Lambda's error payload as JSON.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
 */
import { randomUUID } from 'node:crypto';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import type { LambdaError, LambdaInvoker } from '../lambda/runtime.js';
import { taskStates } from './definition.js';

/** A local handler of a Task state, as aws-local-stepfunctions calls it with the state's effective input. */
export type TaskHandler = (input: unknown) => Promise<unknown>;

const LAMBDA_INVOKE = /^arn:aws[\w-]*:states:::lambda:invoke$/;
const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:/;

/**
 * The error Step Functions' Lambda integration raises for a function error: `name` is what Retry and
 * Catch match (the errorType); the message becomes the cause (aws-local-stepfunctions puts a caught
 * error's `message` into `Cause`).
 */
function lambdaTaskError(error: LambdaError): Error {
  const failure = new Error(JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage, trace: error.trace }));
  failure.name = error.errorType === 'ResourceNotFoundException' ? 'Lambda.ResourceNotFoundException' : error.errorType;
  return failure;
}

/** `arn:aws:states:::lambda:invoke`: the function named in Parameters, its result wrapped as the integration wraps it. */
function invokeTask(lambda: LambdaInvoker): TaskHandler {
  return async (input) => {
    const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: string; Payload?: unknown };
    if (typeof FunctionName !== 'string') throw Object.assign(new Error('lambda:invoke needs Parameters.FunctionName'), { name: 'States.Runtime' });
    const outcome = await lambda.invoke(FunctionName, Payload ?? {});
    if (outcome.error !== undefined) throw lambdaTaskError(outcome.error);
    return {
      ExecutedVersion: '$LATEST',
      Payload: outcome.result,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: randomUUID() },
      StatusCode: 200,
    };
  };
}

/** The legacy form: the Resource is the function ARN and the result is the function's output. */
function functionArnTask(lambda: LambdaInvoker, functionArn: string): TaskHandler {
  return async (input) => {
    const outcome = await lambda.invoke(functionArn, input);
    if (outcome.error !== undefined) throw lambdaTaskError(outcome.error);
    return outcome.result;
  };
}

/** A handler for every Lambda Task state of `states` (nested ones included), by state name. */
export function lambdaTaskHandlers(states: StateMachineDefinition['States'], lambda: LambdaInvoker): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const { name, resource } of taskStates(states)) {
    if (LAMBDA_INVOKE.test(resource)) handlers[name] = invokeTask(lambda);
    else if (LAMBDA_ARN.test(resource)) handlers[name] = functionArnTask(lambda, resource);
  }
  return handlers;
}
