/**
 * One conversation's life as a seeded script of steps: customer arrives, maybe an IVR, a queue, an
 * agent (unless abandoned), wrap-up; a messaging conversation may reopen and wrap up again.
 */
import type { SeededRandom } from '../../shared/random.js';
import type { LoadConversation, LoadParticipant } from './entry.js';

const MEDIA_TYPES = ['VOICE', 'VOICE', 'VOICE', 'CHAT', 'MESSAGE', 'EMAIL', 'CALLBACK'] as const;
export const SECOND = 1000;

/** One event of a conversation's life, before it becomes an entry. */
export interface Step {
  kind: string;
  /** The index of its conversation's script. */
  conversation: number;
  participant: LoadParticipant;
  time: number;
  /** The kind's own fields of the event body. */
  fields: Record<string, unknown>;
}

/** A conversation and the steps of its life. */
export interface Script {
  conversation: LoadConversation;
  mediaType: string;
  /** Session id per participant. */
  sessions: Map<string, string>;
  steps: Step[];
  agent?: LoadParticipant;
  userId?: string;
}

/** Pools shared by the conversations of one run, as a contact centre has a few queues and agents. */
export interface Pools {
  queues: string[];
  users: string[];
  wrapupCodes: string[];
}

/** One conversation's life: customer arrives, maybe an IVR, a queue, an agent (unless abandoned), wrap-up. */
export function scriptConversation(random: SeededRandom, index: number, start: number, pools: Pools): Script {
  const participant = (purpose: string): LoadParticipant => ({ id: random.uuid(), purpose });
  const customer = participant('customer');
  const mediaType = random.pick(MEDIA_TYPES);
  const ivr = mediaType === 'VOICE' && random.chance(0.7) ? participant('ivr') : undefined;
  const acd = participant('acd');
  const abandoned = random.chance(0.1);
  const agent = abandoned ? undefined : participant('agent');
  const participants = [customer, ...(ivr ? [ivr] : []), acd, ...(agent ? [agent] : [])];
  const script: Script = {
    conversation: { id: random.uuid(), participants },
    mediaType,
    sessions: new Map(participants.map((p) => [p.id, random.uuid()])),
    steps: [],
    agent,
  };
  let time = start;
  const step = (kind: string, who: LoadParticipant, fields: Record<string, unknown> = {}, gapMs: [number, number] = [200, 2 * SECOND]): void => {
    time += random.integer(...gapMs);
    script.steps.push({ kind, conversation: index, participant: who, time, fields });
  };
  const queueId = random.pick(pools.queues);
  step('customer.start', customer, {}, [0, 0]);
  if (ivr) {
    step('flow.start', ivr);
    step('flow.end', ivr, { disconnectType: 'transfer' }, [20 * SECOND, 90 * SECOND]);
  }
  step('acd.start', acd, { queueId });
  if (random.chance(0.3)) step('attributes', customer, { attributes: { 'flow.language': random.pick(['en-US', 'fr-FR', 'de-DE']) } });
  if (agent === undefined) {
    step('acd.end', acd, { queueId, disconnectType: 'client' }, [5 * SECOND, 300 * SECOND]);
    step('customer.end', customer, { disconnectType: 'client' });
    return script;
  }
  script.userId = random.pick(pools.users);
  agent.userId = script.userId;
  step('acd.end', acd, { queueId, disconnectType: 'transfer' }, [5 * SECOND, 300 * SECOND]);
  step('user.start', agent, { userId: script.userId });
  if (random.chance(0.5)) {
    step('customer.end', customer, { disconnectType: 'client' }, [30 * SECOND, 900 * SECOND]);
    step('user.end', agent, { userId: script.userId, disconnectType: 'peer' });
  } else {
    step('user.end', agent, { userId: script.userId, disconnectType: 'client' }, [30 * SECOND, 900 * SECOND]);
    step('customer.end', customer, { disconnectType: 'peer' });
  }
  step('acw', agent, { userId: script.userId, wrapupCode: random.pick(pools.wrapupCodes) }, [5 * SECOND, 120 * SECOND]);
  return script;
}

/** A messaging conversation reopens: the agent wraps up again, later, maybe with another code. */
export function reopen(random: SeededRandom, script: Script, pools: Pools, index: number): void {
  const last = script.steps.at(-1)?.time ?? 0;
  const agent = script.agent as LoadParticipant;
  const fields = { userId: script.userId, wrapupCode: random.pick(pools.wrapupCodes) };
  script.steps.push({ kind: 'acw', conversation: index, participant: agent, time: last + random.integer(60, 3600) * SECOND, fields });
}
