/**
 * The write-back of one conversation event: render the writes of the action the workflow matched, find the
 * participants they name, and make them in Genesys in the file's order. Plain logic: the Genesys client and
 * the logger come in as parameters.
 */
import { planOfPayload } from '../shared/actions/plan.js';
import { renderPlan, type RenderedWrite } from '../shared/actions/render.js';
import { GenesysNotFound, InvalidEvent } from '../shared/errors.js';
import type { WorkflowInput } from '../shared/events.js';
import type { CallOptions, Conversation, ConversationApi } from '../shared/genesys/client.js';

/** A write as made: an attributes write names the participant it went to. */
export type AppliedWrite = Exclude<RenderedWrite, { type: 'participantAttributes' }> | (Extract<RenderedWrite, { type: 'participantAttributes' }> & { participantId: string });

/** The task output when the action's writes were made (contract: docs/contracts.md, "Processor output"). */
export interface AppliedResult {
  status: 'applied';
  action: string;
  conversationId: string;
  writes: AppliedWrite[];
}

/** The task output for an event no action matched; the workflow normally routes these away. */
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

/** Finds participants, reading the conversation at most once per event. */
class Participants {
  #conversation: Promise<Conversation> | undefined;

  constructor(
    private readonly input: WorkflowInput,
    private readonly deps: ProcessDeps,
    private readonly call: CallOptions,
  ) {}

  /** @throws GenesysNotFound when the conversation has no such participant; InvalidEvent when the event names no agent. */
  async of(target: 'event' | 'customer' | 'agent'): Promise<string> {
    const { body } = this.input;
    if (target === 'event' && body.participantId !== undefined) return body.participantId;
    if (target === 'agent') {
      if (body.userId === undefined) throw new InvalidEvent(`a write to the agent needs eventBody.userId, which this ${this.input.kind} event lacks`);
      return this.#find((participant) => participant.userId === body.userId, `userId ${body.userId}`);
    }
    return this.#find((participant) => participant.purpose === CUSTOMER_PURPOSE, `purpose "${CUSTOMER_PURPOSE}"`);
  }

  async #find(matches: (participant: Conversation['participants'][number]) => boolean, what: string): Promise<string> {
    const { conversationId } = this.input.body;
    this.#conversation ??= this.deps.client.getConversation(conversationId, this.call);
    const conversation = await this.#conversation;
    const found = conversation.participants.find(matches);
    if (found !== undefined) return found.id;
    const purposes = [...new Set(conversation.participants.map((participant) => participant.purpose ?? 'none'))].join(', ') || 'no participants';
    throw new GenesysNotFound(`conversation ${conversationId} has no participant with ${what} (found: ${purposes}) and the event names none`);
  }
}

async function make(write: RenderedWrite, input: WorkflowInput, participants: Participants, deps: ProcessDeps, call: CallOptions): Promise<AppliedWrite> {
  const { conversationId } = input.body;
  if (write.type === 'conversationTag') {
    await deps.client.putConversationTag(conversationId, write.externalTag, call);
    return write;
  }
  if (write.type === 'dataTableRow') {
    await deps.client.putDataTableRow(write.datatableId, write.key, write.values, call);
    return write;
  }
  const participantId = await participants.of(write.participant);
  await deps.client.patchParticipantAttributes(conversationId, participantId, write.attributes, call);
  return { ...write, participantId };
}

/**
 * Makes the writes of the action the workflow put in `input.action`, in order. A retry makes them all again:
 * every write is a PATCH or PUT of values from the event, so repeating one changes nothing.
 * @throws ConfigurationError when the plan is not valid; InvalidEvent when the event cannot fill it; the client's errors otherwise.
 */
export async function processEvent(input: WorkflowInput, deps: ProcessDeps): Promise<ProcessorResult> {
  const { kind, body } = input;
  const { conversationId } = body;
  if (input.action === undefined) {
    deps.logger.info('No action for this event: nothing written', { kind });
    return { status: 'ignored', conversationId, kind };
  }
  const plan = planOfPayload(input.action);
  const call: CallOptions = deps.remainingMs === undefined ? {} : { remainingMs: deps.remainingMs };
  const participants = new Participants(input, deps, call);
  const writes: AppliedWrite[] = [];
  for (const write of renderPlan(plan, input)) writes.push(await make(write, input, participants, deps, call));
  deps.logger.info('Action applied', { action: plan.name, kind, writes: writes.map((write) => write.type) });
  deps.logger.debug('Writes made', { writes });
  return { status: 'applied', action: plan.name, conversationId, writes };
}
