/**
 * The Step Functions actions the local endpoint answers, on AWS JSON 1.0 bodies: StartSyncExecution as
 * Express answers it (a result even when the execution FAILED or TIMED_OUT), StartExecution,
 * DescribeStateMachine.
 * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartSyncExecution.html
 */
import { randomUUID } from 'node:crypto';
import { localRoleArn, type Executions, type Machine, type SyncExecutionRecord } from './executions.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../moto.js';

/** An AWS JSON 1.0 client error: HTTP 400 with `__type`. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';

  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** One action: the request body in, the answer's body out. */
export type Operation = (body: Record<string, unknown>) => Promise<unknown>;

/** AWS JSON protocol timestamps are epoch seconds. */
const epochSeconds = (ms: number): number => ms / 1_000;

function parseJsonSafely(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseInput(input: unknown): unknown {
  if (input === undefined) return {};
  try {
    return JSON.parse(String(input));
  } catch {
    throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
  }
}

function newExecution(machine: Machine, body: Record<string, unknown>): { executionArn: string; name: string } {
  const name = typeof body.name === 'string' && body.name !== '' ? body.name : randomUUID();
  const kind = machine.spec.type === 'EXPRESS' ? 'express' : 'execution';
  const suffix = machine.spec.type === 'EXPRESS' ? `:${randomUUID()}` : '';
  return { executionArn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${kind}:${machine.spec.name}:${name}${suffix}`, name };
}

/** Runs an Express execution to its end and answers as StartSyncExecution does, its record kept in `executions`. */
async function startSyncExecution(machine: Machine, executions: Executions, body: Record<string, unknown>): Promise<unknown> {
  if (machine.spec.type !== 'EXPRESS') {
    throw new ServiceError('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
  }
  const input = parseInput(body.input);
  const { executionArn, name } = newExecution(machine, body);
  const messageId = (input as { messageId?: unknown } | null)?.messageId;
  const record: SyncExecutionRecord = { executionArn, ...(typeof messageId === 'string' ? { messageId } : {}) };
  executions.syncRecords.set(executionArn, record);
  const startDate = Date.now();
  const result = await executions.run(machine, executionArn, name, input);
  const stopDate = Date.now();
  record.status = result.status;
  const outputStatus = (parseJsonSafely(result.output) as { status?: unknown } | undefined)?.status;
  if (typeof outputStatus === 'string') record.outputStatus = outputStatus;
  return {
    executionArn,
    stateMachineArn: machine.spec.arn,
    name,
    startDate: epochSeconds(startDate),
    stopDate: epochSeconds(stopDate),
    status: result.status,
    ...(result.output !== undefined ? { output: result.output, outputDetails: { included: true } } : {}),
    ...(result.error !== undefined ? { error: result.error, cause: result.cause } : {}),
    input: typeof body.input === 'string' ? body.input : '{}',
    inputDetails: { included: true },
    // Express bills per 100 ms with at least 64 MB.
    billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: Math.max(100, Math.ceil((stopDate - startDate) / 100) * 100) },
  };
}

/** The actions by name (`StartSyncExecution`), over the endpoint's machines (by ARN) and executions. */
export function stepFunctionsOperations(machines: ReadonlyMap<string, Machine>, executions: Executions): Record<string, Operation> {
  const createdAt = Date.now();
  const machineOf = (arn: unknown): Machine => {
    const machine = typeof arn === 'string' ? machines.get(arn) : undefined;
    if (machine === undefined) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    return machine;
  };
  return {
    StartSyncExecution: async (body) => startSyncExecution(machineOf(body.stateMachineArn), executions, body),
    async StartExecution(body) {
      const machine = machineOf(body.stateMachineArn);
      const input = parseInput(body.input);
      const { executionArn, name } = newExecution(machine, body);
      void executions.run(machine, executionArn, name, input);
      return { executionArn, startDate: epochSeconds(Date.now()) };
    },
    async DescribeStateMachine(body) {
      const machine = machineOf(body.stateMachineArn);
      return {
        stateMachineArn: machine.spec.arn,
        name: machine.spec.name,
        status: 'ACTIVE',
        definition: JSON.stringify(machine.spec.definition, null, 2),
        roleArn: localRoleArn(machine),
        type: machine.spec.type,
        creationDate: epochSeconds(createdAt),
      };
    },
  };
}
