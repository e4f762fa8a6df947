/** The simulator's control surface: what the stack, the harness and tests call to set it up, steer it and read it. */
import type { Server } from 'node:http';
import { ConversationStore, type SimulatorConversation, type SimulatorState } from './conversations.js';
import { DataTableStore, type DataTableState, type SimulatorDataTable } from './datatables.js';
import type { SimulatorContext } from './context.js';
import { Faults, type TokenEndpointMode } from './faults.js';
import { closeServer, Delays } from './http.js';
import { Ledger } from './ledger.js';
import { RateLimits } from './rate-limits.js';
import type { GenesysScript } from './script.js';
import { clientsOf, defaultSettings, patchSettings, type SettingsPatch, type SimulatorClient, type SimulatorSettings } from './settings.js';
import { TokenStore } from './tokens.js';

/** Options of `startGenesysSimulator`; every setting has the default documented on `SimulatorSettings`. */
export interface GenesysSimulatorOptions extends Partial<Omit<SimulatorSettings, 'forbiddenConversations'>> {
  /** Port on 127.0.0.1; 0 (default) lets the OS pick. */
  port?: number;
  /** Accepted clients; default one with a random UUID id and a random secret. */
  clients?: SimulatorClient[];
  /** Seed of the fault, timeout and latency draws (default 1), so runs repeat. */
  seed?: number;
  /** Epoch-ms clock for windows and token expiry (default Date.now); tests may pass a fake one. */
  clock?: () => number;
  /** Conversations known from the start. */
  conversations?: SimulatorConversation[];
  /** Architect data tables known from the start (a row write to any other answers 404). */
  dataTables?: SimulatorDataTable[];
  forbiddenConversations?: Iterable<string>;
  /** The scripted mode (script.ts): every request is recorded and answered from this script, none by the simulated Genesys. */
  script?: GenesysScript;
}

/** A running simulator. */
export interface GenesysSimulator {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Where the processor logs in (GENESYS_LOGIN_BASE_URL): the same server. */
  readonly loginBaseUrl: string;
  /** Where the processor calls the API (GENESYS_API_BASE_URL): the same server. */
  readonly apiBaseUrl: string;
  readonly clients: readonly SimulatorClient[];
  readonly ledger: Ledger;
  /** The current behaviour (a snapshot). */
  readonly settings: Readonly<SimulatorSettings>;
  /** Changes behaviour from the next request on. */
  configure(patch: SettingsPatch): void;
  /** Makes the token endpoint refuse (401) or fail (503), for `forMs` ms of the clock or until set back to 'ok'. */
  setTokenEndpoint(mode: TokenEndpointMode, forMs?: number): void;
  /** Registers (or replaces) a conversation. */
  addConversation(conversation: SimulatorConversation): void;
  /** A copy of a known conversation with its current attributes. */
  conversation(id: string): SimulatorConversation | undefined;
  /**
   * Attributes per conversation and participant. By default only participants that have attributes
   * (and conversations with such participants), so it compares directly with `expectedState`;
   * `includeEmpty` lists every known participant.
   */
  state(options?: { includeEmpty?: boolean }): SimulatorState;
  /** Registers (or replaces) a data table. */
  addDataTable(table: SimulatorDataTable): void;
  /** Every known data table's rows. */
  tables(): DataTableState;
  /** Every conversation's external tag, where one was set. */
  tags(): Record<string, string>;
  /** Revokes one issued token; false when it was not issued here. */
  revokeToken(accessToken: string): boolean;
  /** Revokes every issued token; returns how many were live. */
  revokeAllTokens(): number;
  /** Closes the server, dropping open connections and pending delays. */
  stop(): Promise<void>;
}

/** The parts built from the options; `server.ts` attaches the HTTP server once it listens. */
export class Simulator implements GenesysSimulator {
  readonly context: SimulatorContext;
  url = '';
  port = 0;
  /** The HTTP server (tests reach in to watch raw answers). */
  server: Server | undefined;

  constructor(options: GenesysSimulatorOptions) {
    const { port: _port, script: _script, clients, seed = 1, clock = Date.now, conversations = [], dataTables = [], ...settings } = options;
    this.context = {
      clock,
      clients: clientsOf(clients),
      ledger: new Ledger(),
      tokens: new TokenStore(clock),
      conversations: new ConversationStore(),
      dataTables: new DataTableStore(),
      limits: new RateLimits(clock),
      faults: new Faults(seed, clock),
      delays: new Delays(),
      settings: defaultSettings(),
    };
    this.configure(settings);
    for (const conversation of conversations) this.addConversation(conversation);
    for (const table of dataTables) this.addDataTable(table);
  }

  get clients(): readonly SimulatorClient[] {
    return this.context.clients;
  }

  get ledger(): Ledger {
    return this.context.ledger;
  }

  get loginBaseUrl(): string {
    return this.url;
  }

  get apiBaseUrl(): string {
    return this.url;
  }

  get settings(): Readonly<SimulatorSettings> {
    return { ...this.context.settings, forbiddenConversations: new Set(this.context.settings.forbiddenConversations) };
  }

  configure(patch: SettingsPatch): void {
    this.context.settings = patchSettings(this.context.settings, patch);
    this.context.limits.apply(this.context.settings);
  }

  setTokenEndpoint(mode: TokenEndpointMode, forMs?: number): void {
    this.context.faults.setTokenEndpoint(mode, forMs);
  }

  addConversation(conversation: SimulatorConversation): void {
    this.context.conversations.add(conversation);
  }

  conversation(id: string): SimulatorConversation | undefined {
    return this.context.conversations.view(id);
  }

  state(options: { includeEmpty?: boolean } = {}): SimulatorState {
    return this.context.conversations.state(options);
  }

  addDataTable(table: SimulatorDataTable): void {
    this.context.dataTables.add(table);
  }

  tables(): DataTableState {
    return this.context.dataTables.state();
  }

  tags(): Record<string, string> {
    return this.context.conversations.tags();
  }

  revokeToken(accessToken: string): boolean {
    return this.context.tokens.revoke(accessToken);
  }

  revokeAllTokens(): number {
    return this.context.tokens.revokeAll();
  }

  async stop(): Promise<void> {
    this.context.delays.cancelAll();
    if (this.server !== undefined) await closeServer(this.server);
  }
}
