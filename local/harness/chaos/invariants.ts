/**
 * The invariants checked after every fault scenario (docs/reliability.md, "Invariants checked after every
 * scenario"): nothing lost, the attribute state the events imply, every park once and with its reason, an
 * error no retry fixes parked at the first receive, nothing of an invocation after its answer, no request
 * before a Retry-After, no SDK retry of a started workflow, and the bounds the design implies.
 */
import { readFileSync } from 'node:fs';
import type { Message } from '@aws-sdk/client-sqs';
import { isUuid, parseConversationEvent } from '../../../functions/shared/events.js';
import { attributesFor, isActedOn } from '../../../functions/processor/attributes.js';
import type { FaultProxy } from '../../stack/fault-proxy.js';
import { peekQueue, type RunSummary } from '../run.js';
import type { LocalStack, LocalStackStats } from '../../stack/index.js';
import type { DirectMessage, Scenario } from './runner.js';

/** Where the direct messages went: checked after the drain. */
export async function checkDirect(stack: LocalStack, direct: readonly DirectMessage[], violations: string[]): Promise<void> {
  if (direct.length === 0) return;
  const parked = await peekQueue(stack.clients.sqs, stack.queues.deadLetterQueueUrl);
  const state = stack.simulator.state();
  for (const message of direct) {
    const copies = parked.filter((candidate) => candidate.Body === message.body);
    if (message.expect === 'InvalidEvent') {
      const reasons = copies.map((copy) => copy.MessageAttributes?.errorName?.StringValue);
      if (copies.length === 0 || reasons.some((reason) => reason !== 'InvalidEvent')) {
        violations.push(`input "${message.label}": expected parked as InvalidEvent, found ${JSON.stringify(reasons)}`);
      }
      const counts = copies.map((copy) => copy.MessageAttributes?.receiveCount?.StringValue);
      if (counts.some((count) => count !== '1')) violations.push(`input "${message.label}": parked after receive ${counts.join(', ')}, not at the first`);
      continue;
    }
    if (copies.length > 0) violations.push(`input "${message.label}": valid but parked as ${copies[0]?.MessageAttributes?.errorName?.StringValue}`);
    if (message.expect === 'applied') {
      const event = parseConversationEvent(message.body);
      if (!isActedOn(event.kind)) throw new Error(`input "${message.label}" is not of an acted-on kind`);
      const participantId = event.body.participantId as string;
      const have = state[event.body.conversationId]?.[participantId] ?? {};
      const want = attributesFor(event.kind, event.body);
      for (const [key, value] of Object.entries(want)) {
        if (have[key] !== value) violations.push(`input "${message.label}": ${key} is ${JSON.stringify(have[key])}, expected ${JSON.stringify(value)}`);
      }
    }
  }
}

/** The SQS message a parked message was parked from: our `sourceMessageId`, or its own id when the redrive policy moved it. */
function parkedIdOf(message: Message): string {
  return message.MessageAttributes?.sourceMessageId?.StringValue ?? message.MessageId ?? '';
}

const API_PATH = /^\/api\/v2\/conversations\/([^/]+)(?:\/participants\/([^/]+)\/attributes)?$/;

/** What the invariants read besides the stack: where the run started, and what its schedule did. */
export interface InvariantContext {
  ledger: number;
  stats: LocalStackStats;
  counts: Record<string, number>;
  direct: readonly DirectMessage[];
  proxy: FaultProxy;
}

/** Every invariant the run summary and the stack's counters can show (docs/reliability.md, "Invariants"). */
export async function checkInvariants(scenario: Scenario, stack: LocalStack, summary: RunSummary, context: InvariantContext): Promise<string[]> {
  const violations: string[] = [];
  if (!summary.drained) violations.push('the queue did not drain');
  if (summary.lost > 0) violations.push(`lost ${summary.lost} events`);
  const parkedEvents = summary.in - summary.applied - summary.notActedOn - summary.lost;
  if (summary.applied + summary.notActedOn + parkedEvents !== summary.in) violations.push('in ≠ applied + parked');
  if (!summary.state.matches) violations.push(`attribute state differs from what the events imply: ${summary.state.mismatches.slice(0, 3).join('; ')}`);
  if (summary.validParked > 0) violations.push(`${summary.validParked} valid events parked although the faults cleared within the retry window`);
  if (summary.malformedNotParked > 0) violations.push(`${summary.malformedNotParked} malformed events not parked as InvalidEvent`);

  const parked = await peekQueue(stack.clients.sqs, stack.queues.deadLetterQueueUrl);
  const lines = (stack.logFile === undefined ? '' : readFileSync(stack.logFile, 'utf8')).split('\n');
  // A dispatcher killed between its park and its idempotency save parks that message again on the redelivery.
  const kills = context.counts.dispatcherKills ?? 0;
  violations.push(...checkParkedOnce(parked, stack, kills));
  // An error no retry can fix (invalid input, a deterministic bug) costs one receive, whatever its name. A message
  // parked again after a killed dispatcher (allowed above) has a later copy: its first park must be at receive 1.
  const deterministic = new Set(['InvalidEvent', ...(scenario.deterministicErrors ?? [])]);
  const receivesParkedAt = new Map<string, { name: string; receives: string[] }>();
  for (const message of parked) {
    const name = message.MessageAttributes?.errorName?.StringValue;
    if (name === undefined) violations.push(`a message was moved to the DLQ by the redrive policy, without a reason (${message.MessageId})`);
    if (name === undefined || !deterministic.has(name)) continue;
    const id = parkedIdOf(message);
    const entry = receivesParkedAt.get(id) ?? { name, receives: [] };
    entry.receives.push(message.MessageAttributes?.receiveCount?.StringValue ?? '?');
    receivesParkedAt.set(id, entry);
  }
  for (const { name, receives } of receivesParkedAt.values()) {
    if (!receives.includes('1')) violations.push(`a message failing with ${name}, which no retry fixes, was parked at receive ${receives.join(', ')}, not the first`);
  }
  const redelivered = lines.filter((line) => line.includes('"record will be redelivered"') && [...deterministic].some((name) => line.includes(`"errorName":${JSON.stringify(name)}`))).length;
  if (redelivered > 0) violations.push(`${redelivered} records failing with an error no retry fixes were handed back for redelivery`);
  violations.push(...checkNothingAfterAnswer(stack, lines));
  const rule = await peekQueue(stack.clients.sqs, stack.queues.ruleDeadLetterQueueUrl);
  if (rule.length > 0) violations.push(`${rule.length} events in the rule's DLQ: EventBridge could not deliver them`);

  // No id that is not a UUID reached a Genesys URL, and no request came before the Retry-After Genesys gave its token.
  const requests = stack.simulator.ledger.requests.slice(context.ledger);
  const early = requests.filter((request) => request.beforeRetryAfter === true).length;
  if (early > 0) violations.push(`${early} Genesys requests were sent with a token before the Retry-After of its 429 had passed`);
  const sdkRetried = context.proxy.stats().retried.StartSyncExecution ?? 0;
  if (sdkRetried > 0) violations.push(`the SDK retried StartSyncExecution ${sdkRetried} times: each retry runs the workflow again`);
  for (const request of requests) {
    if (request.path === '/oauth/token') continue;
    const match = API_PATH.exec(request.path);
    if (match === null || !isUuid(decodeURIComponent(match[1] ?? '')) || (match[2] !== undefined && !isUuid(decodeURIComponent(match[2])))) {
      violations.push(`Genesys was called at ${request.path}`);
    }
  }

  // Bounds (docs/reliability.md, "Bounds").
  const stats = stack.stats();
  const delta = (fn: string, key: 'invocations' | 'coldStarts' | 'errors'): number =>
    (stats.lambda[fn]?.[key] ?? 0) - (context.stats.lambda[fn]?.[key] ?? 0);
  const processorInvocations = delta('ProcessorFunction', 'invocations');
  const processorEnvironments = stats.lambda.ProcessorFunction?.coldStarts ?? 0;
  const status = (code: number): number => requests.filter((request) => request.path !== '/oauth/token' && request.status === code).length;
  const failedLogins = requests.filter((request) => request.path === '/oauth/token' && request.status !== 200).length;
  const bounds = scenario.bounds;
  const perApplied = summary.applied === 0 ? 0 : summary.genesysRequests / summary.applied;
  if (perApplied > bounds.requestsPerApplied) {
    violations.push(`Genesys requests per applied event ${perApplied.toFixed(2)} above the bound ${bounds.requestsPerApplied}`);
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

  // The whole batch never fails for one record: only a killed dispatcher fails a batch.
  const failedBatches = stats.poller.failedBatches - context.stats.poller.failedBatches;
  const allowed = scenario.allowedFailedBatches?.(context.counts) ?? 0;
  if (failedBatches > allowed) violations.push(`${failedBatches} dispatcher batches failed whole (allowed ${allowed})`);
  return violations;
}

/**
 * No message is parked twice, and none is parked that the dispatcher knew done: its workflow answered
 * SUCCEEDED to the dispatcher (applied, or a kind routed past Genesys). `allowed` covers dispatchers killed
 * between two steps that cannot be one (a park and the idempotency save after it).
 */
function checkParkedOnce(parked: readonly Message[], stack: LocalStack, allowed: number): string[] {
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

