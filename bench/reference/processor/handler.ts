/**
 * The issue's cold-start reference, measured beside our processor in every bench run: the design card's
 * dependencies wired the obvious way (Genesys credentials from Secrets Manager through Powertools, a token
 * and a PATCH with fetch, Powertools Logger, middy), bundled by esbuild as plain minified ESM with no
 * MainFields and no External. It is never deployed; bench/cold-start.ts builds it as the `plain-reference` variant.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import middy from '@middy/core';

const logger = new Logger();

export const handler = middy(async (event: { conversationId: string; participantId: string; attributes: Record<string, string> }) => {
  const { clientId, clientSecret } = (await getSecret(process.env.GENESYS_SECRET_ID ?? '', { transform: 'json', maxAge: 300 })) as { clientId: string; clientSecret: string };
  const environment = process.env.GENESYS_ENVIRONMENT ?? 'mypurecloud.com';
  const token = await fetch(`https://login.${environment}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  }).then((response) => response.json() as Promise<{ access_token: string }>);
  const response = await fetch(`https://api.${environment}/api/v2/conversations/${event.conversationId}/participants/${event.participantId}/attributes`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ attributes: event.attributes }),
  });
  logger.info('attributes written', { status: response.status });
  return { status: response.status };
});
