/**
 * The invariants checked after every fault scenario (docs/reliability.md, "Invariants checked after every
 * scenario"): nothing lost, the attribute state the events imply, every park once and with its reason, an
 * error no retry fixes parked at the first receive, nothing of an invocation after its answer, no request
 * before a Retry-After, no SDK retry of a started workflow, and the bounds the design implies.
 */
import { readFileSync } from 'node:fs';
import { isUuid, parseConversationEvent } from '../../../functions/shared/events.js';
import { defaultActions, writesFor, type ActionsConfig } from '../../../tools/actions/index.js';
import type { ParkedMessage } from '../../../tools/dlq/operations.js';
import type { LedgerEntry } from '../../genesys-sim/ledger.js';
import { apiTargetOf, isLoginRequest } from '../../genesys-sim/paths.js';
import type { FaultProxy } from '../../stack/fault-proxy.js';
import type { RunSummary } from '../run.js';
import type { LocalStack, LocalStackStats } from '../../stack/index.js';
import { peekParked } from '../dead-letters.js';
import type { DirectMessage, Scenario } from './runner.js';

/** Where the direct messages went: checked after the drain. */
export async function checkDirect(stack: LocalStack, direct: readonly DirectMessage[], actions: ActionsConfig = defaultActions()): Promise<string[]> {
  if (direct.length === 0) return [];
  const violations: string[] = [];
  const parked = await peekParked(stack);
  const state = stack.simulator.state();
  for (const message of direct) {
    const copies = parked.filter((candidate) => candidate.body === message.body);
    if (message.expect === 'InvalidEvent') {
      violations.push(...checkParkedInput(message, copies));
      continue;
    }
    if (copies.length > 0) violations.push(`input "${message.label}": valid but parked as ${copies[0]?.attributes.errorName}`);
    if (message.expect === 'applied') violations.push(...checkAppliedInput(message, state, actions));
  }
  return violations;
}

/** An invalid input: parked as InvalidEvent, at its first receive. */
function checkParkedInput(message: DirectMessage, copies: readonly ParkedMessage[]): string[] {
  const violations: string[] = [];
  const reasons = copies.map((copy) => copy.attributes.errorName);
  if (copies.length === 0 || reasons.some((reason) => reason !== 'InvalidEvent')) {
    violations.push(`input "${message.label}": expected parked as InvalidEvent, found ${JSON.stringify(reasons)}`);
  }
  const counts = copies.map((copy) => copy.attributes.receiveCount);
  if (counts.some((count) => count !== '1')) violations.push(`input "${message.label}": parked after receive ${counts.join(', ')}, not at the first`);
  return violations;
}

/**
 * A valid input: under an action, its participant holds exactly the attributes that action writes for it; under
 * none (another actions file than the one the inputs were written for), not parked is all it owes.
 */
function checkAppliedInput(message: DirectMessage, state: ReturnType<LocalStack['simulator']['state']>, actions: ActionsConfig): string[] {
  const event = parseConversationEvent(message.body);
  const planned = writesFor(actions, event);
  if (planned === undefined) return [];
  return planned.writes.flatMap((write) => {
    // The inputs name their participant; a write elsewhere (a data table, the customer) is the load's to check.
    if (write.type !== 'participantAttributes' || write.participant !== 'event' || event.body.participantId === undefined) return [];
    const have = state[event.body.conversationId]?.[event.body.participantId] ?? {};
    return Object.entries(write.attributes)
      .filter(([key, value]) => have[key] !== value)
      .map(([key, value]) => `input "${message.label}": ${key} is ${JSON.stringify(have[key])}, expected ${JSON.stringify(value)}`);
  });
}

/** The SQS message a parked message was parked from: our `sourceMessageId`, or its own id when the redrive policy moved it. */
function parkedIdOf(message: ParkedMessage): string {
  return message.sourceMessageId ?? message.messageId;
}

/** What the invariants read besides the stack: where the run started, and what its schedule did. */
export interface InvariantContext {
  ledger: number;
  stats: LocalStackStats;
  counts: Record<string, number>;
  direct: readonly DirectMessage[];
  proxy: FaultProxy;
  /** The run's actions' clean requests per applied event over the default file's (request-scale.ts): the request bounds scale by it. */
  requestScale: number;
}

/** What the run left behind, read once for every check. */
interface RunRecord {
  parked: readonly ParkedMessage[];
  /** The functions' log, line by line. */
  lines: readonly string[];
  /** The Genesys requests of this run. */
  requests: readonly LedgerEntry[];
}

/** Every invariant the run summary and the stack's counters can show (docs/reliability.md, "Invariants"). */
export async function checkInvariants(scenario: Scenario, stack: LocalStack, summary: RunSummary, context: InvariantContext): Promise<string[]> {
  const violations = checkSummary(summary);
  const record: RunRecord = {
    parked: await peekParked(stack),
    lines: (stack.logFile === undefined ? '' : readFileSync(stack.logFile, 'utf8')).split('\n'),
    requests: stack.simulator.ledger.requests.slice(context.ledger),
  };
  // A dispatcher killed between its park and its idempotency save parks that message again on the redelivery.
  violations.push(...checkParkedOnce(record.parked, stack, context.counts.dispatcherKills ?? 0));
  violations.push(...checkNotRetried(scenario, record));
  violations.push(...checkNothingAfterAnswer(stack, record.lines));
  const rule = await peekParked(stack, 'rule');
  if (rule.length > 0) violations.push(`${rule.length} events in the rule's DLQ: EventBridge could not deliver them`);
  violations.push(...checkGenesysCalls(record.requests, context.proxy));
  violations.push(...checkBounds(scenario, stack, summary, record, context));
  // The whole batch never fails for one record: only a killed dispatcher fails a batch.
  const failedBatches = stack.stats().poller.failedBatches - context.stats.poller.failedBatches;
  const allowed = scenario.allowedFailedBatches?.(context.counts) ?? 0;
  if (failedBatches > allowed) violations.push(`${failedBatches} dispatcher batches failed whole (allowed ${allowed})`);
  return violations;
}

/** What the run summary alone shows: drained, nothing lost, the state the events imply, every event parked for its reason. */
function checkSummary(summary: RunSummary): string[] {
  const violations: string[] = [];
  if (!summary.drained) violations.push('the queue did not drain');
  if (summary.lost > 0) violations.push(`lost ${summary.lost} events`);
  const parkedEvents = summary.in - summary.applied - summary.notActedOn - summary.lost;
  if (summary.applied + summary.notActedOn + parkedEvents !== summary.in) violations.push('in ≠ applied + parked');
  if (!summary.state.matches) violations.push(`attribute state differs from what the events imply: ${summary.state.mismatches.slice(0, 3).join('; ')}`);
  if (summary.validParked > 0) violations.push(`${summary.validParked} valid events parked although the faults cleared within the retry window`);
  if (summary.malformedNotParked > 0) violations.push(`${summary.malformedNotParked} malformed events not parked as InvalidEvent`);
  return violations;
}

/**
 * An error no retry can fix (invalid input, a deterministic bug) costs one receive, whatever its name, and is
 * never handed back for redelivery. A message parked again after a killed dispatcher (allowed by
 * {@link checkParkedOnce}) has a later copy: its first park must be at receive 1.
 */
function checkNotRetried(scenario: Scenario, record: RunRecord): string[] {
  const violations: string[] = [];
  const deterministic = new Set(['InvalidEvent', ...(scenario.deterministicErrors ?? [])]);
  const receivesParkedAt = new Map<string, { name: string; receives: string[] }>();
  for (const message of record.parked) {
    const name = message.attributes.errorName;
    if (name === undefined) violations.push(`a message was moved to the DLQ by the redrive policy, without a reason (${message.messageId})`);
    if (name === undefined || !deterministic.has(name)) continue;
    const id = parkedIdOf(message);
    const entry = receivesParkedAt.get(id) ?? { name, receives: [] };
    entry.receives.push(message.attributes.receiveCount ?? '?');
    receivesParkedAt.set(id, entry);
  }
  for (const { name, receives } of receivesParkedAt.values()) {
    if (!receives.includes('1')) violations.push(`a message failing with ${name}, which no retry fixes, was parked at receive ${receives.join(', ')}, not the first`);
  }
  const redelivered = record.lines.filter((line) => line.includes('"record will be redelivered"') && [...deterministic].some((name) => line.includes(`"errorName":${JSON.stringify(name)}`))).length;
  if (redelivered > 0) violations.push(`${redelivered} records failing with an error no retry fixes were handed back for redelivery`);
  return violations;
}

/** No id that is not a UUID reached a Genesys URL, no request came before the Retry-After Genesys gave its token, and no started workflow was retried by the SDK. */
function checkGenesysCalls(requests: readonly LedgerEntry[], proxy: FaultProxy): string[] {
  const violations: string[] = [];
  const early = requests.filter((request) => request.beforeRetryAfter === true).length;
  if (early > 0) violations.push(`${early} Genesys requests were sent with a token before the Retry-After of its 429 had passed`);
  const sdkRetried = proxy.stats().retried.StartSyncExecution ?? 0;
  if (sdkRetried > 0) violations.push(`the SDK retried StartSyncExecution ${sdkRetried} times: each retry runs the workflow again`);
  for (const request of requests) {
    if (isLoginRequest(request)) continue;
    const target = apiTargetOf(request.path);
    const row = target.resource === 'datatableRow' || target.resource === 'datatableRows';
    const idsOk = row ? isUuid(target.datatableId ?? '') : isUuid(target.conversationId ?? '') && (target.participantId === undefined || isUuid(target.participantId));
    if (target.resource === 'unknown' || !idsOk) violations.push(`Genesys was called at ${request.path}`);
  }
  return violations;
}

/** The bounds the design implies (docs/reliability.md, "Bounds"): requests per applied event and per invocation, token requests, 429s. */
function checkBounds(scenario: Scenario, stack: LocalStack, summary: RunSummary, record: RunRecord, context: InvariantContext): string[] {
  const violations: string[] = [];
  const { requests, lines } = record;
  const stats = stack.stats();
  const processorInvocations = (stats.lambda.ProcessorFunction?.invocations ?? 0) - (context.stats.lambda.ProcessorFunction?.invocations ?? 0);
  const processorEnvironments = stats.lambda.ProcessorFunction?.coldStarts ?? 0;
  const status = (code: number): number => requests.filter((request) => !isLoginRequest(request) && request.status === code).length;
  const failedLogins = requests.filter((request) => isLoginRequest(request) && request.status !== 200).length;
  const bounds = scenario.bounds;
  const perApplied = summary.applied === 0 ? 0 : summary.genesysRequests / summary.applied;
  const perAppliedBound = bounds.requestsPerApplied * context.requestScale;
  if (perApplied > perAppliedBound) {
    violations.push(`Genesys requests per applied event ${perApplied.toFixed(2)} above the bound ${perAppliedBound.toFixed(2)}`);
  }
  if (summary.genesysRequests > 6 * processorInvocations) {
    violations.push(`Genesys requests ${summary.genesysRequests} above 6 per processor invocation (${processorInvocations}): the client loops`);
  }
  // A login the client gave up on (its request timeout) is answered 200 in the ledger but failed all the same.
  const abandonedLogins = lines.filter((line) => line.includes('Genesys token request: no answer within')).length;
  const tokenBound = processorEnvironments + status(401) + failedLogins + abandonedLogins;
  if (summary.tokenRequests > tokenBound) {
    violations.push(
      `token requests ${summary.tokenRequests} above environments ${processorEnvironments} + 401 answers ${status(401)} + failed logins ${failedLogins} + abandoned logins ${abandonedLogins}`,
    );
  }
  const throttledBound = typeof bounds.throttled === 'function' ? bounds.throttled(summary) : bounds.throttled;
  if (summary.throttled > throttledBound) violations.push(`429 answers ${summary.throttled} above the bound ${throttledBound}`);
  return violations;
}

/**
 * No message is parked twice, and none is parked that the dispatcher knew done: its workflow answered
 * SUCCEEDED to the dispatcher (applied, or a kind routed past Genesys). `allowed` covers dispatchers killed
 * between two steps that cannot be one (a park and the idempotency save after it).
 */
function checkParkedOnce(parked: readonly ParkedMessage[], stack: LocalStack, allowed: number): string[] {
  const violations: string[] = [];
  const copies = new Map<string, number>();
  for (const message of parked) copies.set(parkedIdOf(message), (copies.get(parkedIdOf(message)) ?? 0) + 1);
  const twice = [...copies.values()].filter((n) => n > 1).length;
  if (twice > allowed) violations.push(`${twice} messages were parked more than once (allowed ${allowed})`);
  const done = new Set(stack.syncExecutions().filter((run) => run.delivered === true && run.status === 'SUCCEEDED').map((run) => run.messageId));
  const doneParked = [...copies.keys()].filter((id) => done.has(id)).length;
  if (doneParked > allowed) violations.push(`${doneParked} messages are in the DLQ although their workflow had answered SUCCEEDED to the dispatcher (allowed ${allowed})`);
  return violations;
}

/**
 * Nothing of an invocation runs after it answered: no function log line carries the request id of an
 * invocation with a timestamp after its answer left the runtime (a timed-out batch's work going on
 * into the next invocation would).
 */
function checkNothingAfterAnswer(stack: LocalStack, lines: readonly string[]): string[] {
  const answeredAt = new Map<string, number>();
  for (const fn of ['DispatcherFunction', 'ProcessorFunction']) {
    for (const { awsRequestId, answeredAt: at } of stack.runtime.answered(fn)) answeredAt.set(awsRequestId, at);
  }
  let late = 0;
  let example = '';
  for (const line of lines) {
    if (!line.includes('"function_request_id"')) continue;
    let entry: { function_request_id?: unknown; timestamp?: unknown; message?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    const at = typeof entry.function_request_id === 'string' ? answeredAt.get(entry.function_request_id) : undefined;
    const time = typeof entry.timestamp === 'string' ? Date.parse(entry.timestamp) : Number.NaN;
    if (at !== undefined && time > at) {
      late += 1;
      example ||= String(entry.message);
    }
  }
  return late === 0 ? [] : [`${late} log lines of invocations that had already answered (e.g. "${example}"): their work went on after the answer`];
}

