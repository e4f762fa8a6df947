/**
 * The per-client budget against real DynamoDB (moto, started by the global setup): several SharedBudgets stand
 * for several execution environments of one OAuth client, each with its own memory, sharing one table.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ErrorName } from '../../functions/shared/errors.js';
import { WINDOW_MARGIN, type Clock } from '../../functions/shared/genesys/rate-limiter.js';
import { Route } from '../../functions/shared/genesys/routes.js';
import { BUDGET_CALL_BUDGET, SharedBudget, sdkBudgetTable, type SharedBudgetOptions } from '../../functions/shared/genesys/shared-budget.js';
import { boundedClientConfig } from '../../functions/shared/aws-clients.js';

const endpoint = process.env.MOTO_ENDPOINT;
if (!endpoint) throw new Error('MOTO_ENDPOINT is not set: the global setup starts moto');
const dynamodb = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

const WINDOW_MS = 6_000;
const KEPT_WINDOW_MS = WINDOW_MS * (1 + WINDOW_MARGIN);
const READ = { token: 'token-of-this-environment', route: Route.getConversation };
const TAG = { token: 'token-of-this-environment', route: Route.putConversationTags };

let tableName: string;

beforeEach(async () => {
  tableName = `rate-budget-${randomUUID()}`;
  await dynamodb.send(
    new CreateTableCommand({ TableName: tableName, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }),
  );
});

/** A clock that moves only when someone sleeps; shared by the environments of a sequential test. */
function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      now += ms;
    },
  };
}

function environments(count: number, options: Partial<SharedBudgetOptions> = {}): SharedBudget[] {
  return Array.from({ length: count }, () => new SharedBudget({ tableName, requestsPerMinute: 10, windowMs: WINDOW_MS, dynamodb, ...options }));
}

/** The largest number of slots inside any window (t - windowMs, t]. */
function busiestWindow(slots: number[], windowMs = WINDOW_MS): number {
  return Math.max(...slots.map((end) => slots.filter((slot) => slot > end - windowMs && slot <= end).length));
}

describe('SharedBudget: one budget for every environment of the OAuth client', () => {
  it('spaces the slots of concurrent environments a window / budget apart, so no window holds more than the budget', async () => {
    const budgets = environments(4, { windowMs: 1_000 });
    const slots = (await Promise.all(budgets.map((budget) => Promise.all(Array.from({ length: 6 }, () => budget.take(READ)))))).flat().sort((a, b) => a - b);

    expect(slots).toHaveLength(24);
    const spacing = (1_000 * (1 + WINDOW_MARGIN)) / 10;
    const gaps = slots.slice(1).map((slot, i) => slot - (slots[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(spacing - 1e-6);
    expect(busiestWindow(slots, 1_000)).toBeLessThanOrEqual(10);
  });

  it('gives a second environment no fresh budget: it queues behind the first', async () => {
    const clock = fakeClock();
    const [first, second] = environments(2, { clock });
    const slots: number[] = [];
    for (let i = 0; i < 10; i += 1) slots.push(await (i % 2 === 0 ? first : second)!.take(READ));

    expect(slots.slice(1).map((slot, i) => slot - (slots[i] as number))).toEqual(Array(9).fill(KEPT_WINDOW_MS / 10));
  });

  it('starts from now, not from a stale slot, after the budget has been idle', async () => {
    const clock = fakeClock();
    const [budget] = environments(1, { clock });
    await budget!.take(READ);
    clock.advance(KEPT_WINDOW_MS * 3);
    const before = clock.now();
    expect(await budget!.take(READ)).toBe(before);
  });

  it('refuses with Genesys.RateLimited and the wait, without taking a slot, when none comes within maxWaitMs', async () => {
    const clock = fakeClock();
    const [first, second] = environments(2, { clock, requestsPerMinute: 1 });
    await first!.take(READ);
    await expect(second!.acquire(READ, { maxWaitMs: 2_000 })).rejects.toMatchObject({ name: ErrorName.RateLimited, retryAfterSeconds: Math.ceil(KEPT_WINDOW_MS / 1000) });
    // Nothing was taken: the next slot is still one spacing after the first.
    expect(await first!.take(READ)).toBe(1_000_000 + KEPT_WINDOW_MS);
  });

  it("holds every environment to a Retry-After one of them was given", async () => {
    const clock = fakeClock();
    const [told, other] = environments(2, { clock, requestsPerMinute: 300 });
    await told!.take(READ);
    await told!.holdOff(READ, 20_000);
    expect(await other!.take(READ)).toBe(1_000_000 + 20_000);
  });

  it('gives up a slot taken ahead when a Retry-After reached another environment meanwhile, and sends after it', async () => {
    const clock = fakeClock();
    const [told, waiting] = environments(2, { clock, requestsPerMinute: 10 });
    await waiting!.take(READ);
    // The next slot is a spacing ahead: while this environment sleeps towards it, the other meets a 429 of 20 s.
    let held = false;
    const sleep = clock.sleep;
    clock.sleep = async (ms, signal) => {
      if (!held) {
        held = true;
        await told!.holdOff(READ, 20_000);
      }
      await sleep(ms, signal);
    };
    const slot = await waiting!.take(READ);
    expect(slot).toBeGreaterThanOrEqual(1_000_000 + 20_000);
    expect(clock.now()).toBeGreaterThanOrEqual(1_000_000 + 20_000);
  });

  it('paces every environment to a smaller budget Genesys reported to one of them, and back when it reports ours', async () => {
    const clock = fakeClock();
    const [told, other] = environments(2, { clock, requestsPerMinute: 10 });
    await told!.take(READ);
    await told!.follow(READ, 5);
    await other!.take(READ);
    const slot = await other!.take(READ);
    expect(await other!.take(READ)).toBe(slot + KEPT_WINDOW_MS / 5);
    await other!.follow(READ, 10);
    await told!.take(READ);
    expect(await told!.take(READ)).toBeCloseTo(clock.now(), 6);
  });

  it('paces a route with a limit of its own across environments, and leaves the other routes the rest of the budget', async () => {
    const clock = fakeClock();
    const [first, second] = environments(2, { clock, requestsPerMinute: 10, routeLimits: { [Route.putConversationTags]: 2 } });
    const tagSlots = [await first!.take(TAG), await second!.take(TAG)];
    expect(tagSlots[1]! - tagSlots[0]!).toBeGreaterThanOrEqual(KEPT_WINDOW_MS / 2);
    // The reads were not held up by the tags' wait: they go at the budget's own pace from where the clock is now.
    const readsFrom = clock.now();
    const reads = [await first!.take(READ), await second!.take(READ)];
    expect(reads[0]).toBeLessThanOrEqual(readsFrom + KEPT_WINDOW_MS / 10);
    expect(reads[1]! - reads[0]!).toBe(KEPT_WINDOW_MS / 10);
  });

  it('writes its items with an expiry, so an idle budget leaves the table (its TTL)', async () => {
    const [budget] = environments(1);
    await budget!.take(READ);
    const item = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: 'genesys-client' } } }));
    expect(Number(item.Item?.expiration?.N)).toBeGreaterThan(Date.now() / 1000);
  });

  it('stays on the safe side when a slot was taken but its answer was lost: the slot is spent, never given twice', async () => {
    const clock = fakeClock();
    const real = await sdkBudgetTable(dynamodb);
    let loseNext = false;
    const lossy = {
      get: real.get,
      update: async (input: Parameters<typeof real.update>[0]) => {
        const answer = await real.update(input);
        if (!loseNext) return answer;
        loseNext = false;
        throw Object.assign(new Error('socket hang up after the write'), { name: 'TimeoutError' });
      },
    };
    const [other] = environments(1, { clock });
    const unlucky = new SharedBudget({ tableName, requestsPerMinute: 10, windowMs: WINDOW_MS, table: lossy, clock });
    const first = await other!.take(READ);
    loseNext = true;
    await expect(unlucky.take(READ)).rejects.toMatchObject({ name: ErrorName.RateLimited });
    // The lost slot stays taken: the next request goes a spacing after it, two after the first.
    expect(await other!.take(READ)).toBe(first + 2 * (KEPT_WINDOW_MS / 10));
  });

  it('gives up within its call budget when DynamoDB accepts the connection and never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const hanging = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, ...boundedClientConfig(BUDGET_CALL_BUDGET) });
      const [budget] = environments(1, { dynamodb: hanging });
      // Without the call budget the SDK would wait on the socket for minutes, far past this test's timeout.
      await expect(budget!.take(READ)).rejects.toMatchObject({ name: ErrorName.RateLimited, message: expect.stringContaining('TimeoutError') });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('fails with Genesys.RateLimited naming the table when DynamoDB cannot be reached, so the workflow retries', async () => {
    const unreachable = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const [budget] = environments(1, { dynamodb: unreachable });
    await expect(budget!.take(READ)).rejects.toMatchObject({ name: ErrorName.RateLimited, message: expect.stringContaining(tableName) });
  });
});
