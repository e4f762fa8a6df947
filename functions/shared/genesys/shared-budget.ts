/**
 * The budget per OAuth client, shared by every processor execution environment through DynamoDB: one item per
 * budget (the client's, and each route's that has a limit of its own) holding the generic cell rate algorithm's
 * theoretical arrival time `tat`, the earliest time the next request may leave. Taking a slot is one conditional
 * UpdateItem that moves `tat` on by one spacing (the window over the budget, with the limiter's margin), so
 * requests from any number of environments leave at least one spacing apart: never more than the budget in any
 * rolling window, however many environments there are or how often Lambda replaces them.
 *
 * Every failure is on the safe side: a slot reserved and then not used (an update whose answer was lost and that the
 * SDK sent again, a request that timed out) only leaves the budget under-used. What Genesys reports (a smaller
 * budget, a Retry-After) is written to the item, so every environment follows it from its next slot on.
 */
import type { AttributeValue, DynamoDBClient, GetItemCommandInput, GetItemCommandOutput, UpdateItemCommandInput, UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { boundedClientConfig, callBudgetMs, type CallBudget } from '../aws-clients.js';
import { GenesysRateLimited } from '../errors.js';
import { MetricName, MetricUnit, type MetricsSink } from '../metrics-sink.js';
import type { BudgetedRequest, RequestBudget } from './budget.js';
import { systemClock, WINDOW_MARGIN, WINDOW_MS, type AcquireOptions, type Clock } from './rate-limiter.js';
import type { RouteLimits, RouteName } from './routes.js';

/** One slot's UpdateItem: DynamoDB answers in milliseconds when healthy; one retry, both within ~1 s. */
export const BUDGET_CALL_BUDGET: CallBudget = { attempts: 2, attemptTimeoutMs: 400, retryDelayMs: 50 };

/** Conditional updates one acquire tries before giving up: each lost race tells it the item as it stands. */
const MAX_ATTEMPTS = 6;

/** Idle budget items expire (the table's TTL attribute) this long after their last use. */
const ITEM_TTL_SECONDS = 3_600;

/** The two calls the budget makes on its table. */
export interface BudgetTable {
  update(input: UpdateItemCommandInput): Promise<UpdateItemCommandOutput>;
  get(input: GetItemCommandInput): Promise<GetItemCommandOutput>;
}

/**
 * The table over the AWS SDK, imported here on first use: template.yaml leaves @aws-sdk/client-dynamodb out of the
 * processor's bundle (the Node.js runtime has it), so a deployment with the per-token budget neither ships nor loads it.
 */
export async function sdkBudgetTable(client?: DynamoDBClient): Promise<BudgetTable> {
  const sdk = await import('@aws-sdk/client-dynamodb');
  const dynamodb = client ?? new sdk.DynamoDBClient(boundedClientConfig(BUDGET_CALL_BUDGET));
  return {
    update: (input) => dynamodb.send(new sdk.UpdateItemCommand(input)),
    get: (input) => dynamodb.send(new sdk.GetItemCommand(input)),
  };
}

/** Options of a SharedBudget. */
export interface SharedBudgetOptions {
  tableName: string;
  requestsPerMinute: number;
  routeLimits?: RouteLimits;
  /** The SDK client to use (default one held to BUDGET_CALL_BUDGET); `table` replaces both, for tests. */
  dynamodb?: DynamoDBClient;
  table?: BudgetTable;
  clock?: Clock;
  /** Genesys' minute; only the local stack's time scale shortens it. */
  windowMs?: number;
  /** Counts every write (metric RateBudgetWrites): what the shared budget costs in DynamoDB requests. */
  metrics?: MetricsSink;
}

/** What an environment last saw of a budget item. */
interface Seen {
  tat: number;
  allowed?: number;
  allowedUntil: number;
}

type Item = Record<string, AttributeValue> | undefined;

const numberOf = (item: Item, name: string): number | undefined => {
  const raw = item?.[name]?.N;
  return raw === undefined ? undefined : Number(raw);
};

/** The request's budget items: the client's, and its route's where the route has a limit of its own. */
const SCOPE_ID = 'genesys-client';
const routeId = (route: RouteName): string => `${SCOPE_ID} ${route}`;
/** On the client's item, for a route with a limit: the earliest time its next request may leave. */
const routeNextAttribute = (route: RouteName): string => `next ${route}`;
/** On the client's item: until when Genesys' last Retry-After holds the client, or one route of it. */
const HELD_UNTIL = 'heldUntil';
const routeHeldAttribute = (route: RouteName): string => `held ${route}`;

/** A route's guard on the client's item: its attribute, and the route's spacing. */
interface RouteGuard {
  attribute: string;
  spacingMs: number;
}

const n = (value: number): AttributeValue => ({ N: String(value) });

/**
 * The UpdateItem that takes a slot. Busy (tat still ahead): slot = tat, tat moves on by a spacing, if the slot is
 * no later than the deadline. Idle (tat passed): slot = now. A guard also requires the route's next time to be
 * no later than the slot and moves it on by the route's spacing. Only the values an expression uses are passed.
 */
function slotUpdate(busy: boolean, now: number, spacingMs: number, deadline: number, guard?: RouteGuard) {
  const values: Record<string, AttributeValue> = { ':now': n(now), ':expires': n(Math.ceil(now / 1000) + ITEM_TTL_SECONDS) };
  const names: Record<string, string> = {};
  let update: string;
  let condition: string;
  if (busy) {
    Object.assign(values, { ':spacing': n(spacingMs), ':latest': n(Math.floor(Math.min(deadline, Number.MAX_SAFE_INTEGER))) });
    update = 'SET tat = tat + :spacing, expiration = :expires';
    condition = 'tat >= :now AND tat <= :latest';
  } else {
    values[':startsAt'] = n(now + spacingMs);
    update = 'SET tat = :startsAt, expiration = :expires';
    condition = '(attribute_not_exists(tat) OR tat < :now)';
  }
  if (guard !== undefined) {
    names['#next'] = guard.attribute;
    if (busy) values[':guardSpacing'] = n(guard.spacingMs);
    else values[':guardStartsAt'] = n(now + guard.spacingMs);
    update += busy ? ', #next = tat + :guardSpacing' : ', #next = :guardStartsAt';
    condition += busy ? ' AND (attribute_not_exists(#next) OR #next <= tat)' : ' AND (attribute_not_exists(#next) OR #next <= :now)';
  }
  return { update, condition, values, names };
}

/** The per-client budget, held in DynamoDB (template.yaml: RateBudgetTable). */
export class SharedBudget implements RequestBudget {
  readonly #options: SharedBudgetOptions;
  readonly #table: Promise<BudgetTable>;
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #seen = new Map<string, Seen>();

  constructor(options: SharedBudgetOptions) {
    this.#options = options;
    this.#table = options.table === undefined ? sdkBudgetTable(options.dynamodb) : Promise.resolve(options.table);
    // A failed import is reported by the first call that needs the table, not as an unhandled rejection at init.
    this.#table.catch(() => undefined);
    this.#clock = options.clock ?? systemClock;
    this.#windowMs = (options.windowMs ?? WINDOW_MS) * (1 + WINDOW_MARGIN);
  }

  /**
   * A slot on the client's budget, after one on the route's where it has a limit of its own: the route's slot
   * orders that route's requests across environments without taking the client's budget while it waits, and the
   * client's slot is taken only once the route's last request is a route spacing behind.
   */
  async acquire(request: BudgetedRequest, options: Pick<AcquireOptions, 'maxWaitMs' | 'signal'> = {}): Promise<void> {
    await this.take(request, options);
  }

  /** As `acquire`, and says when the slot it waited for was (epoch ms). */
  async take(request: BudgetedRequest, options: Pick<AcquireOptions, 'maxWaitMs' | 'signal'> = {}): Promise<number> {
    // A slot must leave time for the calls that take it: a slow DynamoDB must not push the request past the deadline.
    const deadline = this.#clock.now() + (options.maxWaitMs ?? Infinity) - 2 * callBudgetMs(BUDGET_CALL_BUDGET);
    const routeLimit = this.#options.routeLimits?.[request.route];
    let guard: RouteGuard | undefined;
    if (routeLimit !== undefined) {
      const slot = await this.#reserve(routeId(request.route), this.#spacing(routeId(request.route), routeLimit), deadline);
      await this.#waitUntil(slot, options.signal);
      // After the route's reservation, which may have brought a smaller budget Genesys reported for the route.
      guard = { attribute: routeNextAttribute(request.route), spacingMs: this.#spacing(routeId(request.route), routeLimit) };
    }
    for (;;) {
      const slot = await this.#reserve(SCOPE_ID, this.#spacing(SCOPE_ID, this.#options.requestsPerMinute), deadline, guard, options.signal);
      if (slot <= this.#clock.now()) return slot;
      await this.#waitUntil(slot, options.signal);
      // A slot taken ahead may have been overtaken by a 429 another environment met meanwhile: Genesys asked the whole
      // client (or route) to wait, so the slot is given up. The hold moved the budget on, so the next slot comes after it.
      const heldUntil = await this.#heldUntil(request.route, routeLimit !== undefined);
      if (heldUntil <= this.#clock.now()) return slot;
      if (heldUntil > deadline) throw this.#limited(SCOPE_ID, heldUntil, 'Genesys asked this OAuth client to wait (Retry-After)');
    }
  }

  /** Nothing more on the request's budget (its route's, where it has one) before `ms` from now, from any environment. */
  async holdOff(request: BudgetedRequest, ms: number): Promise<void> {
    const until = this.#clock.now() + ms;
    if (this.#options.routeLimits?.[request.route] === undefined) {
      await this.#raise(SCOPE_ID, 'tat', until);
      return this.#raise(SCOPE_ID, HELD_UNTIL, until);
    }
    await this.#raise(routeId(request.route), 'tat', until);
    await this.#raise(SCOPE_ID, routeNextAttribute(request.route), until);
    await this.#raise(SCOPE_ID, routeHeldAttribute(request.route), until);
  }

  /** Until when a Retry-After holds the client (and the route, for a route with a limit): one strongly consistent read. */
  async #heldUntil(route: RouteName, routeLimited: boolean): Promise<number> {
    const names: Record<string, string> = { '#held': HELD_UNTIL, ...(routeLimited ? { '#routeHeld': routeHeldAttribute(route) } : {}) };
    this.#options.metrics?.addMetric(MetricName.RateBudgetReads, MetricUnit.Count, 1);
    try {
      const table = await this.#table;
      const { Item } = await table.get({ TableName: this.#options.tableName, Key: { id: { S: SCOPE_ID } }, ConsistentRead: true, ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names });
      return Math.max(numberOf(Item, HELD_UNTIL) ?? 0, routeLimited ? (numberOf(Item, routeHeldAttribute(route)) ?? 0) : 0);
    } catch (error) {
      throw this.#unreachable(error);
    }
  }

  /**
   * Genesys reported `allowed` on the request's budget: below ours, written to the item for a window (renewed
   * when half of it has passed), so every environment paces to it; at or above ours, a standing report is ended.
   */
  async follow(request: BudgetedRequest, allowed: number): Promise<void> {
    if (!Number.isInteger(allowed) || allowed < 1) return;
    const routeLimit = this.#options.routeLimits?.[request.route];
    const id = routeLimit === undefined ? SCOPE_ID : routeId(request.route);
    const ours = routeLimit ?? this.#options.requestsPerMinute;
    const now = this.#clock.now();
    const seen = this.#seen.get(id);
    const standing = seen?.allowed !== undefined && seen.allowedUntil > now;
    if (allowed >= ours) {
      if (standing) await this.#write(id, 'SET allowedUntil = :now', { ':now': { N: String(now) } });
      return;
    }
    if (standing && seen?.allowed === allowed && seen.allowedUntil - now > this.#windowMs / 2) return;
    await this.#write(id, 'SET allowed = :allowed, allowedUntil = :until', { ':allowed': { N: String(allowed) }, ':until': { N: String(now + this.#windowMs) } });
  }

  /** The spacing of a budget: the window over ours, or over the smaller budget Genesys reported while it stands. */
  #spacing(id: string, ours: number): number {
    const seen = this.#seen.get(id);
    const reported = seen?.allowed !== undefined && seen.allowedUntil > this.#clock.now() ? seen.allowed : Infinity;
    return this.#windowMs / Math.min(ours, reported);
  }

  /**
   * Moves the item's `tat` on by `spacingMs` from max(tat, now) and returns the slot it leaves (the old value, or
   * now). With `guard`, also requires the route's last request to be a route spacing behind the slot and moves that
   * on too, in the same update. Two forms, one write each: busy (tat still ahead: add to it) and idle (tat passed:
   * start from now); a lost race or a wrong guess returns the item as it stands, and the next try uses it.
   */
  async #reserve(id: string, spacingMs: number, deadline: number, guard?: RouteGuard, signal?: AbortSignal): Promise<number> {
    let busy = (this.#seen.get(id)?.tat ?? 0) > this.#clock.now();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      signal?.throwIfAborted();
      const { update, condition, values, names } = slotUpdate(busy, this.#clock.now(), spacingMs, deadline, guard);
      const outcome = await this.#update(id, update, condition, values, names);
      const tat = numberOf(outcome.item, 'tat') ?? 0;
      if (outcome.updated) return tat - spacingMs;
      const slot = Math.max(tat, this.#clock.now());
      if (slot > deadline) throw this.#limited(id, slot, 'the shared budget of this OAuth client has no slot in time');
      const next = guard === undefined ? undefined : numberOf(outcome.item, guard.attribute);
      if (next !== undefined && next > slot) {
        if (next > deadline) throw this.#limited(id, next, 'the shared budget of this route has no slot in time');
        await this.#waitUntil(next, signal);
      }
      busy = tat > this.#clock.now();
    }
    throw new GenesysRateLimited('the shared Genesys budget is contended: no slot after several tries', { retryAfterSeconds: 1 });
  }

  /** Sets `attribute` to `until` unless it is already later. */
  async #raise(id: string, attribute: string, until: number): Promise<void> {
    await this.#update(id, 'SET #at = :until', 'attribute_not_exists(#at) OR #at < :until', { ':until': { N: String(until) } }, { '#at': attribute });
  }

  async #write(id: string, update: string, values: Record<string, AttributeValue>): Promise<void> {
    await this.#update(id, update, undefined, values, {});
  }

  /** One UpdateItem; a failed condition is an answer (with the item as it stands), any other failure GenesysRateLimited. */
  async #update(id: string, update: string, condition: string | undefined, values: Record<string, AttributeValue>, names: Record<string, string>): Promise<{ updated: boolean; item: Item }> {
    this.#options.metrics?.addMetric(MetricName.RateBudgetWrites, MetricUnit.Count, 1);
    try {
      const table = await this.#table;
      const answer = await table.update({
        TableName: this.#options.tableName,
        Key: { id: { S: id } },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
        ExpressionAttributeNames: Object.keys(names).length === 0 ? undefined : names,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      this.#learn(id, answer.Attributes);
      return { updated: true, item: answer.Attributes };
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (name === 'ConditionalCheckFailedException') {
        const item = (error as { Item?: Item }).Item;
        this.#learn(id, item);
        return { updated: false, item };
      }
      throw this.#unreachable(error);
    }
  }

  #unreachable(error: unknown): GenesysRateLimited {
    const name = (error as { name?: unknown }).name;
    return new GenesysRateLimited(`the shared Genesys budget (DynamoDB table ${this.#options.tableName}) could not be reached: ${String(name ?? error)}`, { retryAfterSeconds: 1, cause: error });
  }

  #learn(id: string, item: Item): void {
    if (item === undefined) return;
    this.#seen.set(id, { tat: numberOf(item, 'tat') ?? 0, allowed: numberOf(item, 'allowed'), allowedUntil: numberOf(item, 'allowedUntil') ?? 0 });
  }

  #limited(id: string, at: number, reason: string): GenesysRateLimited {
    const seconds = Math.max(1, Math.ceil((at - this.#clock.now()) / 1000));
    return new GenesysRateLimited(`${reason} (${id === SCOPE_ID ? 'the client' : id.slice(SCOPE_ID.length + 1)})`, { retryAfterSeconds: seconds });
  }

  async #waitUntil(at: number, signal?: AbortSignal): Promise<void> {
    const waitMs = at - this.#clock.now();
    if (waitMs > 0) await this.#clock.sleep(waitMs, signal);
  }
}
