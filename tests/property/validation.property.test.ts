import fc from 'fast-check';
import { InvalidEvent } from '../../functions/shared/errors.js';
import { ACTED_ON_KINDS, attributesFor } from '../helpers/default-actions.js';
import { parseConversationEvent, parseWorkflowInput, validateEventBody, isUuid } from '../../functions/shared/events.js';

/** Anything JSON can hold, strings with unicode and path tricks included. */
const nasty = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('../', '%2F', '', 'a'.repeat(10_240), '\u0000', '🙂', '__proto__'));
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nasty, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** EventBridge envelopes whose every field may be missing, of the wrong type or hostile. */
const envelope = fc.record(
  {
    version: json,
    id: fc.oneof(fc.uuid(), json),
    'detail-type': fc.oneof(fc.constantFrom('v2.detail.events.conversation.{id}.customer.start', 'v2.detail.events.conversation.{id}.acw', 'v2.users.{id}.presence'), json),
    source: fc.oneof(fc.constant('aws.partner/genesys.com/cloud/x/y'), json),
    detail: fc.oneof(
      json,
      fc.record(
        {
          topicName: fc.oneof(fc.constant('v2.detail.events.conversation.x.user.end'), json),
          eventBody: fc.oneof(
            json,
            fc.record(
              {
                conversationId: fc.oneof(fc.uuid(), json),
                participantId: fc.oneof(fc.uuid(), json),
                eventTime: fc.oneof(fc.integer({ min: 0 }), json),
                queueId: json,
                userId: json,
                wrapupCode: json,
                disconnectType: json,
              },
              { requiredKeys: [] },
            ),
          ),
          metadata: json,
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

/** Runs `parse`; passes when it returns or throws InvalidEvent, fails on anything else thrown. */
function onlyInvalidEvent(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (error) {
    if (error instanceof InvalidEvent) return true;
    throw error;
  }
}

describe('event validation never throws anything but InvalidEvent', () => {
  it('on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (text) => onlyInvalidEvent(() => parseConversationEvent(text))), { numRuns: 200 });
  });

  it('on arbitrary JSON', () => {
    fc.assert(fc.property(json, (value) => onlyInvalidEvent(() => parseConversationEvent(JSON.stringify(value) ?? 'undefined'))), { numRuns: 200 });
  });

  it('on arbitrary EventBridge envelopes, and what it accepts has UUID ids only', () => {
    fc.assert(
      fc.property(envelope, (value) => {
        try {
          const event = parseConversationEvent(JSON.stringify(value));
          return isUuid(event.body.conversationId) && (event.body.participantId === undefined || isUuid(event.body.participantId));
        } catch (error) {
          if (error instanceof InvalidEvent) return true;
          throw error;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('on arbitrary task payloads and event bodies', () => {
    fc.assert(fc.property(json, (value) => onlyInvalidEvent(() => parseWorkflowInput(value)) && onlyInvalidEvent(() => validateEventBody(value))), { numRuns: 200 });
  });

  it('refuses the hostile ids the fault suite sends', () => {
    for (const id of ['../', '%2F..%2F', '', 'a'.repeat(10_240), `${'6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60'}/../x`]) {
      expect(() => validateEventBody({ conversationId: id })).toThrow(InvalidEvent);
    }
  });
});

/** Event bodies that may pass validation: UUID ids, any integer or number for the time, any values besides. */
const plausibleBody = fc.record(
  {
    conversationId: fc.uuid(),
    participantId: fc.uuid(),
    eventTime: fc.oneof(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(8.64e15, 8.64e15 + 1, -1, 0.5), json),
    queueId: fc.oneof(fc.string(), json),
    userId: fc.oneof(fc.string(), json),
    wrapupCode: fc.oneof(fc.string({ unit: 'grapheme' }), json),
    disconnectType: fc.oneof(fc.string(), json),
  },
  { requiredKeys: ['conversationId'] },
);

describe('what validation accepts, the processor can write', () => {
  it('for every acted-on kind: no body that passes validation fails later (RangeError, TypeError) in the processor', () => {
    fc.assert(
      fc.property(plausibleBody, fc.constantFrom(...ACTED_ON_KINDS), (value, kind) => {
        let body;
        try {
          body = validateEventBody(value);
        } catch (error) {
          if (error instanceof InvalidEvent) return true;
          throw error;
        }
        const attributes = attributesFor(kind, body);
        return Object.values(attributes).every((text) => typeof text === 'string');
      }),
      { numRuns: 500 },
    );
  });
});
