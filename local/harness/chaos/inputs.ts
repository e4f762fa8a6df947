/**
 * The input cases of the fault suite: bodies sent straight to the EventsQueue, as anything that can
 * write to it (a misconfigured rule, a redrive, a replay) could send them. Each says what must become
 * of it: parked as InvalidEvent at its first receive, applied exactly, or routed past Genesys.
 */
import { randomUUID } from 'node:crypto';
import type { DirectMessage } from './runner.js';

const SOURCE = 'aws.partner/genesys.com/cloud/chaos/inputs';

/** An EventBridge envelope of a Genesys conversation event, with fields replaced or removed (undefined). */
export function envelope(kind: string, eventBody: Record<string, unknown> | undefined, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const conversationId = typeof eventBody?.conversationId === 'string' ? eventBody.conversationId : randomUUID();
  const event: Record<string, unknown> = {
    version: '0',
    id: randomUUID(),
    'detail-type': `v2.detail.events.conversation.{id}.${kind}`,
    source: SOURCE,
    account: '123456789012',
    time: '2024-01-15T09:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      topicName: `v2.detail.events.conversation.${conversationId}.${kind}`,
      version: '2',
      ...(eventBody === undefined ? {} : { eventBody }),
      metadata: { CorrelationId: randomUUID() },
      timestamp: '2024-01-15T09:00:00.123Z',
    },
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete event[key];
    else event[key] = value;
  }
  return event;
}

const body = (conversationId: unknown, participantId: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  eventTime: 1_705_309_200_000,
  conversationId,
  participantId,
  ...extra,
});

/** Every input case; ids are fresh per call, so two runs never share a participant. */
export function inputCases(): DirectMessage[] {
  const ok = (): string => randomUUID();
  const invalid = (label: string, value: unknown): DirectMessage => ({
    label,
    body: typeof value === 'string' ? value : JSON.stringify(value),
    expect: 'InvalidEvent',
  });
  return [
    invalid('body not JSON', '{"detail": '),
    invalid('body an empty string', ' '),
    invalid('body a JSON array', [envelope('customer.start', body(ok(), ok()))]),
    invalid('body a JSON string', JSON.stringify('hello')),
    invalid('not an EventBridge event (no source)', envelope('customer.start', body(ok(), ok()), { source: undefined })),
    invalid('not a Genesys source', envelope('customer.start', body(ok(), ok()), { source: 'aws.partner/other.com/x' })),
    invalid('another topic (users presence)', envelope('customer.start', body(ok(), ok()), { 'detail-type': 'v2.users.{id}.presence', detail: { topicName: 'v2.users.x.presence', eventBody: {} } })),
    invalid('conversationId ../', envelope('customer.start', body('../', ok()))),
    invalid('conversationId ../../users/me', envelope('acw', body('../../users/me', ok(), { wrapupCode: 'x' }))),
    invalid('conversationId %2F', envelope('customer.end', body('%2F..%2F', ok()))),
    invalid('conversationId empty', envelope('customer.start', body('', ok()))),
    invalid('conversationId 10 KB', envelope('customer.start', body('a'.repeat(10_240), ok()))),
    invalid('conversationId a UUID with a suffix', envelope('customer.start', body(`${ok()}/../x`, ok()))),
    invalid('participantId ../', envelope('user.start', body(ok(), '../../users'))),
    invalid('participantId a number', envelope('user.start', body(ok(), 42))),
    invalid('no detail', envelope('customer.start', undefined, { detail: undefined })),
    invalid('no eventBody', envelope('customer.start', undefined)),
    invalid('no conversationId', envelope('customer.start', { eventTime: 1, participantId: ok() })),
    invalid('eventTime a string', envelope('customer.start', body(ok(), ok(), { eventTime: '2024-01-15' }))),
    invalid('queueId a number (non-string attribute value)', envelope('acd.start', body(ok(), ok(), { queueId: 7 }))),
    invalid('wrapupCode an object (non-string attribute value)', envelope('acw', body(ok(), ok(), { wrapupCode: { code: 'x' } }))),
    invalid('disconnectType null', envelope('customer.end', body(ok(), ok(), { disconnectType: null }))),
    invalid('huge body (220 KB)', envelope('customer.start', body(ok(), ok(), { padding: 'x'.repeat(220_000) }))),
    invalid('detail-type with a kind that is not a word', envelope('customer.start', body(ok(), ok()), { 'detail-type': 'v2.detail.events.conversation.{id}.Customer Start!' , detail: { topicName: 'v2.detail.events.conversation.x.Customer Start!', eventBody: body(ok(), ok()) } })),
    { label: 'unknown kind', body: JSON.stringify(envelope('transfer.start', body(ok(), ok()))), expect: 'notActedOn' },
    {
      label: 'unicode in attribute values',
      body: JSON.stringify(envelope('acw', body(ok(), ok(), { wrapupCode: 'Rückruf ✓ 客户 🙂 \u202e', userId: 'ユーザー' }))),
      expect: 'applied',
    },
    {
      label: 'unicode and extra fields on a customer event',
      body: JSON.stringify(envelope('customer.end', body(ok(), ok(), { disconnectType: 'clïent', 'näme': 'ø', nested: { deep: [1, 2] } }))),
      expect: 'applied',
    },
  ];
}
