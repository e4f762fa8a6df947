/**
 * Handler overhead: CPU microseconds per record in the dispatcher and per event in the processor, each
 * bundle in its own Node process whose network is answered at once in this process: AWS (DynamoDB, Step
 * Functions, Secrets Manager) by a loopback stand-in, Genesys (token and PATCH) by the simulator with no
 * limit, latency or fault. The child measures only its own CPU (process.cpuUsage), so the servers' work
 * is not counted; the figure is the median of runs.
 */
import { fork } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseConversationEvent, toWorkflowInput } from '../functions/shared/events.js';
import { startGenesysSimulator, type GenesysSimulator, type SimulatorConversation } from '../local/genesys-sim/server.js';
import { generateConversationEvents } from '../local/harness/load/generate.js';
import { IMPORT_ENV } from './cold-start.js';
import { median } from './stats.js';

const CHILD = fileURLToPath(new URL('./overhead-child.mjs', import.meta.url));
/** The OAuth client in the stand-in's secret, and the one the simulator accepts. */
const BENCH_CLIENT = { clientId: 'bench-client', clientSecret: 'bench-secret' };

/** Answers every AWS JSON-protocol call the handlers make, successfully and at once. */
function answer(request: IncomingMessage, response: ServerResponse, body: string): void {
  const target = String(request.headers['x-amz-target'] ?? '');
  const json = (status: number, value: unknown, type = 'application/x-amz-json-1.0'): void => {
    response.writeHead(status, { 'content-type': type });
    response.end(JSON.stringify(value));
  };
  if (target.endsWith('.StartSyncExecution')) {
    const input = JSON.parse((JSON.parse(body) as { input: string }).input) as { body: { conversationId: string; participantId?: string } };
    const now = Date.now() / 1000;
    return json(200, {
      executionArn: 'arn:aws:states:us-east-1:123456789012:express:bench:run',
      startDate: now,
      stopDate: now,
      status: 'SUCCEEDED',
      output: JSON.stringify({ status: 'applied', conversationId: input.body.conversationId, participantId: input.body.participantId, attributes: {} }),
    });
  }
  if (target.startsWith('DynamoDB_')) return json(200, {});
  if (target.endsWith('.GetSecretValue')) {
    return json(200, { ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench', Name: 'bench', VersionId: 'v1', SecretString: JSON.stringify(BENCH_CLIENT) }, 'application/x-amz-json-1.1');
  }
  if (target.startsWith('AmazonSQS.')) return json(200, { MessageId: 'bench' });
  json(400, { message: `bench AWS stand-in: no answer for ${request.method} ${request.url} ${target}` }, 'application/json');
}

/** The AWS stand-in on a loopback port. */
async function startAwsStandIn(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    },
  };
}

/** Genesys answering at once: no rate limit worth the name, no latency, no faults (the defaults). */
function startGenesys(conversations: SimulatorConversation[]): Promise<GenesysSimulator> {
  return startGenesysSimulator({ clients: [BENCH_CLIENT], conversations, requestsPerMinute: 1e9, tokenRequestsPerMinute: 1e9 });
}

/** Sample conversation events as SQS delivers them (the EventBridge envelope), and the conversations they name. */
function sampleLoad(count: number): { bodies: string[]; conversations: SimulatorConversation[] } {
  const load = generateConversationEvents({ events: count * 3, conversations: 20, seed: 11 });
  const bodies = load.events
    .filter((event) => event.expected === 'valid' && event.participantId !== undefined)
    .slice(0, count)
    .map((event) =>
      JSON.stringify({
        version: '0',
        id: event.entry.Detail.length.toString(16).padStart(8, '0') + '-0000-4000-8000-000000000000',
        'detail-type': event.entry.DetailType,
        source: event.entry.Source,
        account: '123456789012',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: JSON.parse(event.entry.Detail) as unknown,
      }),
    );
  return { bodies, conversations: load.conversations };
}

function sqsEvent(bodies: string[]): unknown {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `m-${index}`,
      receiptHandle: `r-${index}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'bench', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:events',
      awsRegion: 'us-east-1',
    })),
  };
}

function runChild(bundle: string, event: unknown, env: Record<string, string>, iterations: number): Promise<{ cpuMicros: number; units: number }> {
  return new Promise((done, fail) => {
    const child = fork(CHILD, [], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('message', (message) => done(message as { cpuMicros: number; units: number }));
    child.once('exit', (code) => {
      if (code !== 0) fail(new Error(`overhead child exited ${code}: ${stderr.slice(0, 800)}`));
    });
    child.send({ bundle, event, iterations, warmup: Math.max(20, Math.round(iterations / 5)) });
  });
}

/** CPU µs per dispatcher record and per processor event: medians of `runs` processes of `iterations` invocations. */
export async function handlerOverhead(
  bundles: { dispatcher: string; processor: string },
  settings: { runs: number; iterations: number },
  log: (line: string) => void,
): Promise<{ dispatcherMicrosPerRecord: number; processorMicrosPerEvent: number; samples: { dispatcher: number[]; processor: number[] } }> {
  const { bodies, conversations } = sampleLoad(10);
  const aws = await startAwsStandIn();
  const genesys = await startGenesys(conversations);
  try {
    const env = {
      ...IMPORT_ENV,
      AWS_ENDPOINT_URL: aws.endpoint,
      GENESYS_LOGIN_BASE_URL: genesys.loginBaseUrl,
      GENESYS_API_BASE_URL: genesys.apiBaseUrl,
      // The limiter still runs; it just never waits.
      GENESYS_REQUESTS_PER_MINUTE: '100000000',
    };
    const batch = sqsEvent(bodies);
    const workflowInput = toWorkflowInput('m-0', parseConversationEvent(bodies[0] as string));
    log(`  handler overhead: ${settings.runs} processes × ${settings.iterations} invocations per function`);
    const dispatcher: number[] = [];
    const processor: number[] = [];
    for (let run = 0; run < settings.runs; run += 1) {
      const d = await runChild(bundles.dispatcher, batch, env, Math.max(1, Math.round(settings.iterations / 10)));
      dispatcher.push(d.cpuMicros / d.units);
      const p = await runChild(bundles.processor, workflowInput, env, settings.iterations);
      processor.push(p.cpuMicros / p.units);
    }
    return { dispatcherMicrosPerRecord: median(dispatcher), processorMicrosPerEvent: median(processor), samples: { dispatcher, processor } };
  } finally {
    await Promise.all([aws.stop(), genesys.stop()]);
  }
}
