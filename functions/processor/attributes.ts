/**
 * The participant attributes each event kind writes. Keys are per kind and values come from the
 * event, never from the clock, so writing an event twice or two events in any order ends in the
 * same state: Genesys merges a PATCH's keys into the participant's attributes (last write per key wins),
 * and no two different events of one participant write the same key.
 */
import type { ConversationEventBody } from '../shared/events.js';
import { ACTED_ON_KINDS, type ActedOnKind } from '../shared/events.js';

/** Every key this pipeline writes starts with this, so our attributes never clash with a flow's. */
export const ATTRIBUTE_PREFIX = 'aws.';

/** Whether the pipeline writes anything for this kind. */
export function isActedOn(kind: string): kind is ActedOnKind {
  return (ACTED_ON_KINDS as readonly string[]).includes(kind);
}

/** Optional string fields copied as `aws.<kind>.<field>` when the event carries them. */
const DETAIL_FIELDS: Record<ActedOnKind, readonly (keyof ConversationEventBody & string)[]> = {
  'customer.start': [],
  'customer.end': ['disconnectType'],
  'acd.start': ['queueId'],
  'acd.end': ['queueId', 'disconnectType'],
  'user.start': ['userId'],
  'user.end': ['userId', 'disconnectType'],
  acw: ['wrapupCode'],
};

/**
 * The attributes an event of an acted-on kind writes.
 *
 * `acw` can fire again for one participant when a messaging conversation reopens, each time with its
 * own time and wrap-up code; its keys carry the event time so a reopen adds keys instead of
 * overwriting them, and the outcome does not depend on which arrives last.
 * An event without `eventTime` writes `unknown` for the time: still a pure function of the event.
 */
export function attributesFor(kind: ActedOnKind, body: ConversationEventBody): Record<string, string> {
  const time = body.eventTime === undefined ? 'unknown' : new Date(body.eventTime).toISOString();
  const base = kind === 'acw' ? `${ATTRIBUTE_PREFIX}acw.${time}` : `${ATTRIBUTE_PREFIX}${kind}`;
  const attributes: Record<string, string> = kind === 'acw' ? {} : { [base]: time };
  for (const field of DETAIL_FIELDS[kind]) {
    const value = body[field];
    if (typeof value === 'string') attributes[`${base}.${field}`] = value;
  }
  if (kind === 'acw' && attributes[`${base}.wrapupCode`] === undefined) attributes[`${base}.wrapupCode`] = '';
  return attributes;
}
