import { fileURLToPath } from 'node:url';
import { FunctionPool, LambdaRuntime, functionNameOf, type FunctionPoolOptions } from '../../local/stack/lambda/runtime.js';

const STAND_IN = fileURLToPath(new URL('../helpers/lambda-stand-in.ts', import.meta.url));

interface StandInResult {
  instanceId: string;
  invocations: number;
  remainingMs: number;
  env?: Record<string, string | null>;
}

describe('local Lambda runtime', () => {
  const pools: { stop(): Promise<void> }[] = [];

  function pool(overrides: Partial<FunctionPoolOptions> = {}): FunctionPool {
    const created = new FunctionPool({
      functionName: 'StandInFunction',
      handlerPath: STAND_IN,
      handlerExport: 'handler',
      timeoutSeconds: 5,
      environment: {},
      ...overrides,
    });
    pools.push(created);
    return created;
  }

  async function resultOf(target: FunctionPool, event: unknown): Promise<StandInResult> {
    const outcome = await target.invoke(event);
    if (outcome.error !== undefined) throw new Error(`unexpected error ${JSON.stringify(outcome.error)}`);
    return outcome.result as StandInResult;
  }

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((created) => created.stop()));
  });

  it('reuses a warm environment: the same module instance serves the next invocation', async () => {
    const functionPool = pool();

    const first = await resultOf(functionPool, { action: 'echo' });
    const second = await resultOf(functionPool, { action: 'echo' });

    expect(second.instanceId).toBe(first.instanceId);
    expect([first.invocations, second.invocations]).toEqual([1, 2]);
    expect(functionPool.stats).toMatchObject({ invocations: 2, coldStarts: 1, environments: 1 });
  });

  it('creates environments on demand up to the concurrency limit, one invocation each', async () => {
    const functionPool = pool({ maxConcurrency: 2 });

    const results = await Promise.all(Array.from({ length: 5 }, () => resultOf(functionPool, { action: 'sleep', ms: 150 })));

    expect(new Set(results.map((result) => result.instanceId)).size).toBe(2);
    expect(functionPool.stats).toMatchObject({ invocations: 5, coldStarts: 2, peakConcurrency: 2, environments: 2, running: 0, waiting: 0 });
  });

  it('kills an environment that exceeds the Timeout and reports Sandbox.Timedout', async () => {
    const functionPool = pool({ timeoutSeconds: 2, timeScale: 4, minScaledTimeoutSeconds: 0 });
    const before = await resultOf(functionPool, { action: 'echo' });

    const started = Date.now();
    const outcome = await functionPool.invoke({ action: 'sleep', ms: 10_000 });

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(outcome.error).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringContaining('Task timed out after 0.50 seconds') });
    const after = await resultOf(functionPool, { action: 'echo' });
    expect(after.instanceId).not.toBe(before.instanceId);
    expect(functionPool.stats).toMatchObject({ timeouts: 1, coldStarts: 2 });
  });

  it('answers getRemainingTimeInMillis from the scaled Timeout', async () => {
    const result = await resultOf(pool({ timeoutSeconds: 10, timeScale: 5, minScaledTimeoutSeconds: 0 }), { action: 'echo' });

    expect(result.remainingMs).toBeGreaterThan(1_500);
    expect(result.remainingMs).toBeLessThanOrEqual(2_000);
  });

  it('returns a thrown error as Lambda does: errorType is the error name', async () => {
    const outcome = await pool().invoke({ action: 'throw', name: 'Genesys.RateLimited', message: 'retry after 3 s' });

    expect(outcome.error).toEqual({ errorType: 'Genesys.RateLimited', errorMessage: 'retry after 3 s', trace: expect.arrayContaining([expect.stringContaining('retry after 3 s')]) });
  });

  it('gives each environment its own process.env and leaves this process untouched', async () => {
    const first = pool({ environment: { STAND_IN_VALUE: 'first' } });
    const second = pool({ environment: { STAND_IN_VALUE: 'second' } });
    const names = ['STAND_IN_VALUE', 'PATH'];

    const [one, two] = await Promise.all([resultOf(first, { action: 'env', names }), resultOf(second, { action: 'env', names })]);

    expect(one.env).toEqual({ STAND_IN_VALUE: 'first', PATH: null });
    expect(two.env).toEqual({ STAND_IN_VALUE: 'second', PATH: null });
    expect(process.env.STAND_IN_VALUE).toBeUndefined();
  });

  it('addresses functions by name or ARN and reports an unknown one as Lambda would', async () => {
    const runtime = new LambdaRuntime([{ functionName: 'StandInFunction', handlerPath: STAND_IN, handlerExport: 'handler', timeoutSeconds: 5, environment: {} }]);
    pools.push(runtime);

    const byArn = await runtime.invoke('arn:aws:lambda:us-east-1:123456789012:function:StandInFunction:$LATEST', { action: 'echo', value: 7 });
    const unknown = await runtime.invoke('OtherFunction', {});

    expect(byArn.result).toMatchObject({ value: 7 });
    expect(unknown.error?.errorType).toBe('ResourceNotFoundException');
    expect(functionNameOf('arn:aws:lambda:us-east-1:123456789012:function:X')).toBe('X');
  });
});
