/**
 * The `eventBody` fields of each conversation event kind and their JSON types, from Genesys' notification
 * schema (the platform SDKs' `Conversation*EventTopic*` models for `v2.detail.events.conversation.{id}.<kind>`):
 * an action may read only what its kinds carry, so a misspelt field is refused at build, not missed at 10 a.m.
 */

/** A field's JSON type: `number` fields are epoch milliseconds or durations, templates format them with `| iso`. */
export type FieldType = 'string' | 'number' | 'boolean' | 'list' | 'object';

const COMMON: Record<string, FieldType> = {
  eventTime: 'number',
  conversationId: 'string',
  participantId: 'string',
  sessionId: 'string',
  mediaType: 'string',
  provider: 'string',
  direction: 'string',
  ani: 'string',
  dnis: 'string',
  conversationExternalContactIds: 'list',
  conversationExternalOrganizationIds: 'list',
  utilizationLabel: 'string',
};
const ADDRESSES: Record<string, FieldType> = { addressTo: 'string', addressFrom: 'string', subject: 'string', messageType: 'string' };
const CALLBACK: Record<string, FieldType> = { callbackUserName: 'string', callbackNumbers: 'list', callbackScheduledTime: 'number' };
const ROUTED: Record<string, FieldType> = { ...COMMON, ...ADDRESSES, ...CALLBACK };
const ENDED = { disconnectType: 'string' } as const;
const USER_DURATIONS: Record<string, FieldType> = {
  interactingDurationMs: 'number',
  heldDurationMs: 'number',
  alertingDurationMs: 'number',
  contactingDurationMs: 'number',
  dialingDurationMs: 'number',
  callbackDurationMs: 'number',
};
const EXTERNAL = { externalOrganizationId: 'string', externalContactId: 'string', divisionId: 'string' } as const;
const FLOW = { flowType: 'string', flowId: 'string', divisionId: 'string', flowVersion: 'string' } as const;

/** Every conversation kind's eventBody fields. */
export const EVENT_BODY_FIELDS: Record<string, Record<string, FieldType>> = {
  'customer.start': { ...ROUTED, ...EXTERNAL, journeyContext: 'object' },
  'customer.end': { ...ROUTED, ...EXTERNAL, ...ENDED, interactingDurationMs: 'number' },
  'acd.start': { ...ROUTED, queueId: 'string', divisionId: 'string', routingPriority: 'number', requestedRoutingSkillIds: 'list', skillExpressionApplied: 'boolean' },
  'acd.end': {
    ...ROUTED,
    ...ENDED,
    queueId: 'string',
    divisionId: 'string',
    acdOutcome: 'string',
    answeredUserId: 'string',
    requestedRoutings: 'list',
    usedRouting: 'string',
    requestedRoutingSkillIds: 'list',
    requestedSkillExpressionIds: 'list',
    requestedLanguageId: 'string',
    requestedRoutingUserIds: 'list',
    routingPriority: 'number',
    connectedDurationMs: 'number',
    flowType: 'string',
  },
  'user.start': { ...ROUTED, userId: 'string', divisionId: 'string', queueId: 'string' },
  'user.end': { ...ROUTED, ...ENDED, ...USER_DURATIONS, userId: 'string', divisionId: 'string', queueId: 'string' },
  acw: { ...ROUTED, userId: 'string', queueId: 'string', wrapupCode: 'string', wrapupNotes: 'string', wrapupDurationMs: 'number' },
  'flow.start': { ...COMMON, ...ADDRESSES, ...FLOW },
  'flow.end': { ...COMMON, ...ADDRESSES, ...FLOW, ...ENDED, connectedDurationMs: 'number', exitReason: 'string', transferType: 'string' },
  attributes: {
    eventTime: 'number',
    conversationId: 'string',
    participantId: 'string',
    attributes: 'object',
    communications: 'list',
    conversationExternalContactIds: 'list',
    conversationExternalOrganizationIds: 'list',
  },
  outbound: { ...COMMON, ...ADDRESSES, outboundCampaignId: 'string', divisionId: 'string', outboundContactListId: 'string', outboundContactId: 'string' },
  'voicemail.start': { ...COMMON, userId: 'string', queueId: 'string', divisionId: 'string' },
  'voicemail.end': { ...COMMON, ...ENDED, userId: 'string', queueId: 'string', divisionId: 'string', voicemailDurationMs: 'number' },
};

/** The `detail` fields beside eventBody (the envelope's `time` is a string too). */
export const DETAIL_FIELDS: Record<string, FieldType> = { topicName: 'string', version: 'string', timestamp: 'string', metadata: 'object', 'metadata.CorrelationId': 'string' };

/**
 * The type of a field (`eventBody.queueId`, `detail.metadata.CorrelationId`, `time`, `kind`) in events of `kind`,
 * or undefined when such events do not carry it.
 */
export function fieldType(kind: string, path: string): FieldType | undefined {
  if (path === 'time' || path === 'kind') return 'string';
  if (path.startsWith('detail.')) return DETAIL_FIELDS[path.slice('detail.'.length)];
  if (path.startsWith('eventBody.')) return EVENT_BODY_FIELDS[kind]?.[path.slice('eventBody.'.length)];
  return undefined;
}
