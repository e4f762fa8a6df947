/**
 * The write-back of one conversation event: find the participant, PATCH the attributes its kind writes.
 * Plain logic: the Genesys client and the logger come in as parameters.
 */
import { GenesysNotFound } from '../shared/errors.js';
import type { WorkflowInput } from '../shared/events.js';
import type { ConversationApi } from '../shared/genesys/client.js';
import { attributesFor, isActedOn } from './attributes.js';

/** The task output when the attributes were written (contract: docs/contracts.md, "Processor output"). */
export interface AppliedResult {
  status: 'applied';
  conversationId: string;
  participantId: string;
  attributes: Record<string, string>;
}

/** The task output for a kind the pipeline does not act on; the workflow normally routes these away. */
export interface IgnoredResult {
  status: 'ignored';
  conversationId: string;
  kind: string;
}

/** What the processor returns to the workflow. */
export type ProcessorResult = AppliedResult | IgnoredResult;

/** The logger slice processEvent uses (a Powertools Logger fits). */
export interface ProcessLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  debug(message: string, attributes: Record<string, unknown>): void;
}

/** What processEvent needs. */
export interface ProcessDeps {
  client: ConversationApi;
  logger: ProcessLogger;
  /** Milliseconds left in the invocation, so a 429 is waited out only when it fits. */
  remainingMs?: () => number;
}

/** The participant whose purpose is `customer`. */
export const CUSTOMER_PURPOSE = 'customer';

/**
 * Writes the event's attributes onto its participant: `body.participantId`, or else the conversation's
 * customer participant.
 * @throws GenesysNotFound when the conversation has no customer participant; the client's errors otherwise.
 */
export async function processEvent(input: WorkflowInput, deps: ProcessDeps): Promise<ProcessorResult> {
  const { kind, body } = input;
  const { conversationId } = body;
  if (!isActedOn(kind)) {
    deps.logger.info('Event kind not acted on: nothing written', { kind });
    return { status: 'ignored', conversationId, kind };
  }
  const call = deps.remainingMs === undefined ? {} : { remainingMs: deps.remainingMs };
  const participantId = body.participantId ?? (await customerParticipantOf(conversationId, deps, call));
  const attributes = attributesFor(kind, body);
  await deps.client.patchParticipantAttributes(conversationId, participantId, attributes, call);
  deps.logger.info('Attributes applied', { kind, participantId, attributeCount: Object.keys(attributes).length });
  deps.logger.debug('Attributes written', { attributes });
  return { status: 'applied', conversationId, participantId, attributes };
}

async function customerParticipantOf(conversationId: string, deps: ProcessDeps, call: { remainingMs?: () => number }): Promise<string> {
  const conversation = await deps.client.getConversation(conversationId, call);
  const customer = conversation.participants.find((participant) => participant.purpose === CUSTOMER_PURPOSE);
  if (customer === undefined) {
    const purposes = [...new Set(conversation.participants.map((participant) => participant.purpose ?? 'none'))].join(', ') || 'no participants';
    throw new GenesysNotFound(`conversation ${conversationId} has no participant with purpose "${CUSTOMER_PURPOSE}" (found: ${purposes}) and the event names none`);
  }
  return customer.id;
}
