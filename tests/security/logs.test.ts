/**
 * A full run at DEBUG with every function log line captured (the per-run log file holds the workers'
 * stdout and stderr): the client secret, the access tokens and any Authorization header never appear.
 * Faults and revoked tokens make the error and re-login paths log too.
 */
import { readFileSync } from 'node:fs';
import type { Server, ServerResponse } from 'node:http';
import { TOKEN_PATH } from '../../local/genesys-sim/paths.js';
import { generateConversationEvents } from '../../local/harness/load/generate.js';
import { runLoad } from '../../local/harness/run.js';
import { useTestStacks } from '../helpers/local-stack.js';

describe('function logs at DEBUG', () => {
  const stacks = useTestStacks('security-logs-');

  it('never carry the client secret, an access token or an Authorization header', async () => {
    const stack = await stacks.start({ parameters: { LogLevel: 'DEBUG' }, timeScale: 2, genesys: { faultRate: 0.2, seed: 5 } });
    // Every access token the simulator hands out, read off its answers.
    const issued: string[] = [];
    const server = (stack.simulator as unknown as { server: Server }).server;
    server.prependListener('request', (request, response: ServerResponse) => {
      if (!String(request.url).startsWith(TOKEN_PATH)) return;
      const end = response.end.bind(response) as (chunk?: unknown) => ServerResponse;
      response.end = ((chunk?: unknown) => {
        const match = /"access_token":"([^"]+)"/.exec(String(chunk ?? ''));
        if (match?.[1] !== undefined) issued.push(match[1]);
        return end(chunk);
      }) as ServerResponse['end'];
    });
    const load = generateConversationEvents({ events: 40, conversations: 6, seed: 5, malformedRate: 0.05, missingParticipantRate: 0.2 });
    const revoking = setInterval(() => stack.simulator.revokeAllTokens(), 1_500);
    let summary;
    try {
      summary = await runLoad(stack, { events: load.events, conversations: load.conversations, drainTimeoutMs: 240_000 });
    } finally {
      clearInterval(revoking);
    }
    await stack.stop();

    const log = readFileSync(stack.logFile as string, 'utf8');
    const { clientId, clientSecret } = stack.simulator.clients[0]!;
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    const debugLines = log.split('\n').filter((line) => line.includes('"level":"DEBUG"'));

    expect(summary.lost).toBe(0);
    expect(issued.length).toBeGreaterThan(1);
    expect(debugLines.length).toBeGreaterThan(0);
    expect(log).toContain('logging in again');
    const leaks = [clientSecret, basic, ...issued, 'Authorization', 'authorization', 'Basic ', 'Bearer '].filter((needle) => log.includes(needle));
    expect(leaks).toEqual([]);
  }, 300_000);
});
