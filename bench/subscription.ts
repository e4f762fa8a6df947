/**
 * What the rule's filter saves (docs/actions.md): a realistic Genesys subscription delivers every conversation
 * kind, and an actions file acts on a few. Before issue 12 the rule forwarded every kind to SQS, and each event
 * no action used cost a message, a dispatcher slot, an idempotency record and an Express execution; now only
 * EventBridge sees it. Measured: one paced run of such events on a stack with the old rule, beside the design's
 * keeping-up run; the mix of kinds is the load generator's conversations, plus the `attributes` event Genesys
 * raises for every attributes write the pipeline makes.
 */
import { kindOfTopic } from '../functions/shared/events.js';
import { expectedOutcome } from '../local/harness/load/expected-state.js';
import { generateConversationEvents } from '../local/harness/load/generate.js';
import type { RunEvent } from '../local/harness/run.js';
import { startLocalStack } from '../local/stack/index.js';
import { CONVERSATION_DETAIL_TYPE_PREFIX, GENESYS_SOURCE_PREFIX } from '../functions/shared/events.js';
import { kindsOf, RULE_LOGICAL_ID, type ActionsConfig } from '../tools/actions/index.js';
import { loadTemplate, type Template } from '../template/index.js';
import { timeInvocations } from './instruments.js';
import { pacedRun, type KeepingUpResult } from './throughput.js';

/** The rule as it was before actions chose its kinds: every conversation detail event. */
export const EVERY_CONVERSATION_KIND_PATTERN = { source: [{ prefix: GENESYS_SOURCE_PREFIX }], 'detail-type': [{ prefix: CONVERSATION_DETAIL_TYPE_PREFIX }] };

function withEveryKind(template: Template): Template {
  const copy = structuredClone(template);
  const rule = copy.Resources[RULE_LOGICAL_ID];
  if (rule?.Properties === undefined) throw new Error(`template.yaml has no ${RULE_LOGICAL_ID}`);
  rule.Properties.EventPattern = EVERY_CONVERSATION_KIND_PATTERN;
  return copy;
}

/**
 * Events of kinds no action of `actions` uses, through a stack whose rule forwards every conversation kind: what each
 * cost before the rule followed the file.
 */
export async function forwardedNotActedOn(actions: ActionsConfig, count: number, seed: number, log: (line: string) => void): Promise<KeepingUpResult> {
  const used = new Set(kindsOf(actions));
  const load = generateConversationEvents({ conversations: Math.max(10, count), seed, actions });
  const events: RunEvent[] = load.events
    .filter((event) => event.expected === 'valid' && !used.has(event.kind))
    .slice(0, count)
    .map((event) => ({ entry: event.entry, expected: 'valid' }));
  const stack = await startLocalStack({ template: withEveryKind(loadTemplate()), genesys: { requestsPerMinute: 1_000_000, faultRate: 0, seed }, pollWaitTimeSeconds: 1, handleSignals: false });
  try {
    return await pacedRun(stack, timeInvocations(stack), { events, conversations: load.conversations }, 'forwarded, no action', log);
  } finally {
    await stack.stop();
  }
}

/** How the events Genesys delivers for the load's conversations split under `actions`. */
export interface SubscriptionMix {
  /** Events delivered, the `attributes` events of the pipeline's own writes included. */
  delivered: number;
  /** Events an action acts on. */
  actedOn: number;
  /** Events of a kind an action uses that no action's tests match: forwarded, routed past Genesys, either way. */
  routedPast: number;
  /** Of the rest, the `attributes` events the pipeline's writes raise (every PATCH raises one). */
  ownAttributesEvents: number;
  /** Delivered events per kind. */
  byKind: Record<string, number>;
}

/** The kinds Genesys delivers for `conversations` generated conversations, and which `actions` act on. */
export function subscriptionMix(actions: ActionsConfig, conversations: number, seed: number): SubscriptionMix {
  const load = generateConversationEvents({ conversations, seed, actions });
  const byKind: Record<string, number> = {};
  const used = new Set(kindsOf(actions));
  const known = new Map(load.conversations.map((c) => [c.id, c]));
  let actedOn = 0;
  let routedPast = 0;
  let ownAttributesEvents = 0;
  for (const event of load.events) {
    if (event.expected !== 'valid' || event.duplicate) continue;
    const kind = kindOfTopic(event.entry.DetailType) ?? 'unknown';
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    const outcome = expectedOutcome(event, actions, known);
    if (outcome === undefined) {
      if (used.has(kind)) routedPast += 1;
      continue;
    }
    actedOn += 1;
    ownAttributesEvents += outcome.writes.filter((write) => write.type === 'participantAttributes').length;
  }
  byKind.attributes = (byKind.attributes ?? 0) + ownAttributesEvents;
  if (used.has('attributes')) routedPast += ownAttributesEvents;
  const delivered = Object.values(byKind).reduce((total, n) => total + n, 0);
  return { delivered, actedOn, routedPast, ownAttributesEvents, byKind };
}

/** Dollars per million events delivered, with the rule forwarding every kind and with it following the file. */
export function subscriptionCost(mix: SubscriptionMix, perEvent: { actedOn: number; forwardedNotActedOn: number; filtered: number }): { everyKind: number; fileKinds: number; saving: number } {
  const share = (n: number): number => n / Math.max(1, mix.delivered);
  const acted = share(mix.actedOn) * perEvent.actedOn + share(mix.routedPast) * perEvent.forwardedNotActedOn;
  const filtered = share(mix.delivered - mix.actedOn - mix.routedPast);
  const everyKind = acted + filtered * perEvent.forwardedNotActedOn;
  const fileKinds = acted + filtered * perEvent.filtered;
  return { everyKind, fileKinds, saving: everyKind - fileKinds };
}
