/**
 * The Genesys simulator in scripted mode (local/genesys-sim/script.ts) as the client's unit tests use
 * it, and the ids and paths of the sample conversation the scripts route on.
 *
 *   const server = await startGenesysServer();
 *   server.script('PATCH', /\/attributes$/, { status: 401 }, { status: 202 });
 *   ... server.requests, server.requestsTo('POST', '/oauth/token') ...
 *   await server.close();
 */
import { GenesysScript } from '../../local/genesys-sim/script.js';
import { startGenesysSimulator } from '../../local/genesys-sim/server.js';

/** A running scripted simulator; `url` is both the login and the API base URL. */
export type GenesysTestServer = GenesysScript & { url: string; close(): Promise<void> };

/** Starts a scripted simulator on an ephemeral loopback port, its token route scripted to succeed. */
export async function startGenesysServer(): Promise<GenesysTestServer> {
  const script = new GenesysScript();
  const simulator = await startGenesysSimulator({ script });
  return Object.assign(script, { url: simulator.url, close: () => simulator.stop() });
}

/** Ids of the sample conversation (tests/fixtures/genesys-events/). */
export const CONVERSATION_ID = '2f7bf00a-0fc2-4d6a-9b56-92238191433e';
export const PARTICIPANT_ID = '9fb2ca78-8389-4758-b76a-9b0300de1fce';
export const CUSTOMER_PARTICIPANT_ID = '0d5e1f3a-7c2b-4e8d-9a61-2b3c4d5e6f70';
export const AGENT_PARTICIPANT_ID = '6a7b8c9d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';

/** The Platform API paths of the sample conversation. */
export const CONVERSATION_PATH = `/api/v2/conversations/${CONVERSATION_ID}`;
export const attributesPath = (participantId: string = PARTICIPANT_ID): string => `${CONVERSATION_PATH}/participants/${participantId}/attributes`;
