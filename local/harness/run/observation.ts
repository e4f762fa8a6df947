/**
 * The two inputs of a run's account (./accounting.ts): what the run is checked against, and what it
 * observed. Plain data, so the account is computed, and tested, without a stack.
 */
import type { ActionsConfig } from '../../../tools/actions/index.js';
import type { ParkedMessage } from '../../../tools/dlq/peek.js';
import type { EventEntry, ExpectedState, LoadConversation } from '../load/entry.js';

/** One entry to send and what we know about it. */
export interface RunEvent {
  entry: EventEntry;
  /** Whether the dispatcher's validation should accept it. */
  expected: 'valid' | 'malformed';
}

/** What a run is checked against: the events sent, the conversations they write to, the parks it wants. */
export interface RunExpectations {
  events: readonly RunEvent[];
  conversations: readonly LoadConversation[];
  /** The actions the stack runs (default actions.yaml): what each event should write. */
  actions?: ActionsConfig;
  /** Parked valid events this accepts were parked by design (a fault the run injects on purpose), not for want of retries. */
  parkedByDesign?: (message: ParkedMessage) => boolean;
}

/** The EventsQueue by state, the DLQ, and workflows in flight, at one moment (epoch ms). */
export interface QueueSample {
  time: number;
  visible: number;
  inFlight: number;
  delayed: number;
  parked: number;
  workflows: number;
}

/** A request the Genesys simulator answered; status 0 when it hung up. */
export interface GenesysRequest {
  time: number;
  path: string;
  status: number;
}

/** A write the Genesys simulator applied to a participant's attributes. */
export interface GenesysWrite {
  time: number;
  conversationId: string;
  participantId: string;
  attributes: Record<string, string>;
}

/** Everything a run saw, from its start to the drain. Times are epoch ms; counters count this run only. */
export interface Observation {
  startedAt: number;
  /** When the queue drained, or the wait for it gave up. */
  endedAt: number;
  /** Entries PutEvents accepted. */
  sent: number;
  /** Per event of the expectations, by index: when PutEvents accepted it. */
  publishedAt: readonly number[];
  /** Per event, by index: the id EventBridge gave it, which every copy it delivers carries as `id`. */
  eventIds: readonly (string | undefined)[];
  /** Whether the queue drained in time (when not, what was left counts as lost). */
  drained: boolean;
  /** The event pattern of the rule to the EventsQueue, as EventBridge holds it: an event it does not match never reached SQS. */
  rulePattern: Record<string, unknown>;
  /** Every message in both dead-letter queues after the drain. */
  parked: readonly ParkedMessage[];
  genesys: {
    /** The simulator's attributes after the drain, of every conversation it knows. */
    state: ExpectedState;
    /** The simulator's data table rows after the drain: `{datatableId: {key: row}}`. */
    tables: Record<string, Record<string, Record<string, string>>>;
    /** The simulator's conversation external tags after the drain: `{conversationId: externalTag}`. */
    tags: Record<string, string>;
    requests: readonly GenesysRequest[];
    writes: readonly GenesysWrite[];
  };
  /** The queues every {@link Observation.sampleEveryMs} (none when the run did not sample). */
  samples: readonly QueueSample[];
  sampleEveryMs: number;
  /** Deliveries the dispatcher's idempotency store answered without starting a workflow (its DuplicatesSuppressed metric). */
  duplicatesSuppressed: number;
  processorInvocations: number;
  /** Task attempts the workflows' Retry made beyond each Task state's first, counted by the Step Functions endpoint. */
  workflowRetries: number;
  /** Records the dispatcher handed back to SQS, one by one or as a failed batch. */
  redeliveries: number;
  /** Most workflows in flight at once since the stack started. */
  peakInFlightWorkflows: number;
}
