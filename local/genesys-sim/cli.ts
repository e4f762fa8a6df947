/**
 * Runs the Genesys Cloud simulator on its own: `npm run genesys-sim -- --port 8089 --fault-rate 0.05`.
 * Prints where it listens, the client credentials to use and how to point the processor at it;
 * stops on Ctrl-C with a summary of what it answered.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseRouteLimits } from '../../functions/shared/genesys/routes.js';
import { runMain } from '../../tools/cli.js';
import { startGenesysSimulator, type GenesysSimulator, type GenesysSimulatorOptions, type Latency, type SimulatorClient, type SimulatorConversation } from './server.js';

const USAGE = `Usage: npm run genesys-sim -- [options]

  --port <n>                        port on 127.0.0.1 (default: any free port)
  --client-id <id>                  OAuth client id (default: a random UUID)
  --client-secret <secret>          OAuth client secret (default: random)
  --requests-per-minute <n>         API requests per token (or client) per minute (default 300)
  --rate-limit-scope <token|client> whom the limit counts: each token, or every token of a client (default token)
  --route-limit <ROUTE=N,...>       lower limits of single routes, e.g. 'PUT /api/v2/conversations/{conversationId}/tags=100'
  --count-refused                   count requests answered 429 against the window too
  --token-requests-per-minute <n>   token requests per client per minute (default 300)
  --time-scale <n>                  the rate-limit minute lasts 60/n seconds (default 1)
  --expires-in <seconds>            lifetime of issued tokens (default 86399)
  --fault-rate <0..1>               share of API requests answered 500/502/503/504 (default 0)
  --latency-ms <n|min-max>          delay per API request (default 0)
  --timeout-rate <0..1>             share of API requests left unanswered (default 0)
  --timeout-ms <n>                  how long an unanswered request hangs before its connection closes (default 30000)
  --seed <n>                        seed of the injected faults (default 1)
  --down                            answer every API request 503
  --forbidden <id,id,...>           conversations answered 403
  --conversations <file.json>       conversations to know: [{"id","participants":[{"id","purpose"}]}]
  -h, --help                        this text

More conversations can be registered while it runs: POST /__sim/conversations (one or an array).
Inspect it with GET /__sim/state and GET /__sim/ledger.`;

function number(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${flag} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

function scope(raw: string | undefined): 'token' | 'client' | undefined {
  if (raw === undefined || raw === 'token' || raw === 'client') return raw;
  throw new Error(`--rate-limit-scope must be token or client, got ${JSON.stringify(raw)}`);
}

function latency(raw: string | undefined): Latency | undefined {
  const range = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(raw ?? '');
  return range === null ? number('latency-ms', raw) : { min: Number(range[1]), max: Number(range[2]) };
}

const FLAGS = {
  port: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'requests-per-minute': { type: 'string' },
  'rate-limit-scope': { type: 'string' },
  'route-limit': { type: 'string' },
  'count-refused': { type: 'boolean' },
  'token-requests-per-minute': { type: 'string' },
  'time-scale': { type: 'string' },
  'expires-in': { type: 'string' },
  'fault-rate': { type: 'string' },
  'latency-ms': { type: 'string' },
  'timeout-rate': { type: 'string' },
  'timeout-ms': { type: 'string' },
  seed: { type: 'string' },
  down: { type: 'boolean' },
  forbidden: { type: 'string' },
  conversations: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseFlags(argv: string[]) {
  return parseArgs({ args: argv, strict: true, options: FLAGS }).values;
}

type Flags = ReturnType<typeof parseFlags>;

/** One client from --client-id / --client-secret (the missing half random), or the simulator's default. */
function clients(values: Flags): SimulatorClient[] | undefined {
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'];
  if (clientId === undefined && clientSecret === undefined) return undefined;
  return [{ clientId: clientId ?? randomUUID(), clientSecret: clientSecret ?? randomUUID() }];
}

function simulatorOptions(values: Flags): GenesysSimulatorOptions {
  return {
    port: number('port', values.port),
    clients: clients(values),
    requestsPerMinute: number('requests-per-minute', values['requests-per-minute']),
    rateLimitScope: scope(values['rate-limit-scope']),
    resourceLimits: values['route-limit'] === undefined ? undefined : { ...parseRouteLimits(values['route-limit'], '--route-limit') },
    countRefused: values['count-refused'],
    tokenRequestsPerMinute: number('token-requests-per-minute', values['token-requests-per-minute']),
    timeScale: number('time-scale', values['time-scale']),
    tokenExpiresIn: number('expires-in', values['expires-in']),
    faultRate: number('fault-rate', values['fault-rate']),
    latencyMs: latency(values['latency-ms']),
    timeoutRate: number('timeout-rate', values['timeout-rate']),
    timeoutMs: number('timeout-ms', values['timeout-ms']),
    seed: number('seed', values.seed),
    down: values.down,
    forbiddenConversations: values.forbidden?.split(',').map((id) => id.trim()).filter((id) => id !== ''),
    conversations:
      values.conversations === undefined ? undefined : (JSON.parse(readFileSync(values.conversations, 'utf8')) as SimulatorConversation[]),
  };
}

/** Where it listens, the credentials, and how to point the processor at it. */
function announce(simulator: GenesysSimulator): void {
  const [client] = simulator.clients;
  console.log(`Genesys Cloud simulator listening on ${simulator.url}`);
  console.log(`  client id:     ${client?.clientId}`);
  console.log(`  client secret: ${client?.clientSecret}`);
  console.log(`  settings:      ${JSON.stringify({ ...simulator.settings, forbiddenConversations: [...simulator.settings.forbiddenConversations] })}`);
  console.log('Point the processor at it with:');
  console.log(`  GENESYS_LOGIN_BASE_URL=${simulator.loginBaseUrl} GENESYS_API_BASE_URL=${simulator.apiBaseUrl}`);
  console.log(`  and the secret {"clientId":"${client?.clientId}","clientSecret":"${client?.clientSecret}"}`);
  console.log(`Inspect: ${simulator.url}/__sim/state  ${simulator.url}/__sim/ledger   (Ctrl-C stops)`);
}

/** Ctrl-C (or a TERM) stops the simulator and prints what it answered. */
function stopOnSignals(simulator: GenesysSimulator): void {
  const stop = (): void => {
    void simulator.stop().then(() => {
      console.log(`\nStopped. ${JSON.stringify(simulator.ledger.summary())}`);
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(): Promise<void> {
  const values = parseFlags(process.argv.slice(2));
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const simulator = await startGenesysSimulator(simulatorOptions(values));
  announce(simulator);
  stopOnSignals(simulator);
}

// Any error before the server listens is a flag or setting the user can fix: its message, then the usage.
await runMain(main, { command: 'npm run genesys-sim', userErrors: [Error], hint: USAGE });
