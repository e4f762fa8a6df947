/** What the routes share: the simulator's parts and its current settings. */
import type { ConversationStore } from './conversations.js';
import type { DataTableStore } from './datatables.js';
import type { Faults } from './faults.js';
import type { Delays } from './http.js';
import type { Ledger } from './ledger.js';
import type { RateLimits } from './rate-limits.js';
import type { SimulatorClient, SimulatorSettings } from './settings.js';
import type { TokenStore } from './tokens.js';

/** One simulator's state, handed to every route. */
export interface SimulatorContext {
  /** Epoch ms; windows and token expiry run on it. */
  readonly clock: () => number;
  readonly clients: readonly SimulatorClient[];
  readonly ledger: Ledger;
  readonly tokens: TokenStore;
  readonly conversations: ConversationStore;
  readonly dataTables: DataTableStore;
  readonly limits: RateLimits;
  readonly faults: Faults;
  readonly delays: Delays;
  /** The current settings; `configure` replaces them as a whole. */
  settings: SimulatorSettings;
}
