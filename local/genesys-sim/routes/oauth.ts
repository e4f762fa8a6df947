/**
 * POST /oauth/token: the client credentials grant with Basic auth, as Genesys answers it.
 * https://developer.genesys.cloud/authorization/platform-auth/use-client-credentials
 */
import type { IncomingMessage } from 'node:http';
import type { SimulatorContext } from '../context.js';
import { readBody } from '../http.js';
import type { Reply } from '../reply.js';

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** Order: method → body → a failing endpoint (503) → the client (401) → a refusing endpoint → the client's limit (429) → the grant. */
export async function handleToken(context: SimulatorContext, req: IncomingMessage, reply: Reply): Promise<void> {
  if (req.method !== 'POST') return reply.oauthError(405, 'invalid_request', 'the token endpoint takes POST');
  let body: string;
  try {
    body = await readBody(req);
  } catch (error) {
    return reply.oauthError(400, 'invalid_request', (error as Error).message);
  }
  const mode = context.faults.tokenEndpointMode();
  if (mode === 'fail') {
    reply.entry.injected = 'token-endpoint';
    return reply.apiError(503, 'The service is currently unavailable');
  }
  const credentials = basicCredentials(req.headers.authorization);
  const client = context.clients.find((candidate) => candidate.clientId === credentials?.id);
  if (client !== undefined) reply.entry.clientId = client.clientId;
  if (client === undefined || client.clientSecret !== credentials?.secret) return reply.oauthError(401, 'invalid_client', 'client not found');
  if (mode === 'refuse') {
    reply.entry.injected = 'token-endpoint';
    return reply.oauthError(401, 'invalid_client', 'client not found');
  }
  const admission = context.limits.admitLogin(client.clientId);
  if (!admission.allowed) return reply.tooManyRequests(admission.seconds, admission.headers);
  const grantType = new URLSearchParams(body).get('grant_type');
  if (grantType !== 'client_credentials') {
    return reply.oauthError(400, grantType === null ? 'invalid_request' : 'unsupported_grant_type', 'grant_type must be client_credentials');
  }
  const expiresIn = context.settings.tokenExpiresIn;
  const accessToken = context.tokens.issue(client.clientId, expiresIn);
  return reply.send(200, { access_token: accessToken, token_type: 'bearer', expires_in: expiresIn });
}
