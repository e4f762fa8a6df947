/**
 * The default actions.yaml seen as the fixed behaviour the pipeline had before actions were configurable:
 * the kinds it acts on and the attributes each writes. Tests written against that behaviour run through these,
 * so they now prove the default file reproduces it exactly.
 */
import type { ConversationEventBody } from '../../functions/shared/events.js';
import { defaultActions, writesFor } from '../../tools/actions/index.js';

/** The kinds the default file acts on, in its order (the order the fixed list had). */
export const ACTED_ON_KINDS: readonly string[] = [...new Set(defaultActions().actions.flatMap((action) => action.on))];

/** Whether an action of the default file acts on every event of `kind`. */
export function isActedOn(kind: string): boolean {
  return ACTED_ON_KINDS.includes(kind);
}

/** The attributes the default file writes for an event of `kind` with `body`: every attributes write, merged. */
export function attributesFor(kind: string, body: ConversationEventBody): Record<string, string> {
  const planned = writesFor(defaultActions(), { kind, body });
  if (planned === undefined) throw new Error(`no action of actions.yaml acts on ${kind}`);
  return Object.assign({}, ...planned.writes.map((write) => (write.type === 'participantAttributes' ? write.attributes : {}))) as Record<string, string>;
}
