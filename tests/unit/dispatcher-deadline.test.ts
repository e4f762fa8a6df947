/**
 * The dispatcher handler at its deadline, against a Step Functions endpoint that never answers one
 * execution: the real SFN client (its abort and timeouts are what is tested), SQS and DynamoDB mocked.
 */
import { jest } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DEADLINE_RESERVE_MS } from '../../functions/dispatcher/batch.js';
import { dispatcherEnvironment, genesysEvent, sqsEvent, sqsRecord } from '../helpers/factories.js';
import { lambdaContext } from '../helpers/lambda-context.js';

const sqsMock = mockClient(SQSClient);
const dynamoMock = mockClient(DynamoDBClient);
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let server: Server;
/** Whether the stalled StartSyncExecution's connection has been closed by the caller. */
let stalledClosed = false;
let stalledSeen = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { input } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input: string };
      const { messageId } = JSON.parse(input) as { messageId: string };
      if (messageId === 'stalled') {
        stalledSeen = true;
        res.on('close', () => (stalledClosed = true));
        return;
      }
      const now = Date.now() / 1000;
      const body = JSON.stringify({ executionArn: `arn:x:${messageId}`, status: 'SUCCEEDED', startDate: now, stopDate: now, output: JSON.stringify({ status: 'applied' }) });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  Object.assign(process.env, {
    ...dispatcherEnvironment(),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  ({ handler } = await import('../../functions/dispatcher/handler.js'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  dynamoMock.on(PutItemCommand).resolves({});
  dynamoMock.on(UpdateItemCommand).resolves({});
  dynamoMock.on(DeleteItemCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'parked' });
  sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
});

describe('dispatcher handler at its deadline', () => {
  it('answers before Lambda would time out, failing only the record still running; applied and parked ones keep their outcome', async () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
    const event = sqsEvent([
      sqsRecord({ messageId: 'applied', body: genesysEvent({ kind: 'customer.end' }) }),
      sqsRecord({ messageId: 'malformed', body: 'not json at all' }),
      sqsRecord({ messageId: 'stalled', receiptHandle: 'receipt-stalled' }),
    ]);
    let response: SQSBatchResponse;
    try {
      // Lambda's deadline 1.5 s after the reserve: the stalled execution is still open then.
      response = await handler(event, lambdaContext({ timeoutMs: DEADLINE_RESERVE_MS + 1_500 }));
    } finally {
      write.mockRestore();
    }

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'stalled' }] });
    // The stalled call was cancelled: its connection closes (the server hears it a moment later).
    for (let waited = 0; !stalledClosed && waited < 1_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect({ stalledSeen, stalledClosed }).toEqual({ stalledSeen: true, stalledClosed: true });
    expect(sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input.MessageAttributes?.sourceMessageId?.StringValue)).toEqual(['malformed']);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input.ReceiptHandle)).toEqual(['receipt-stalled']);
    const emf = lines.flatMap((chunk) => chunk.split('\n')).filter((line) => line.startsWith('{"_aws"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf.map((metrics) => metrics.DeadlineReached).filter((value) => value !== undefined)).toEqual([1]);

    // Nothing of the invocation goes on after its answer.
    const callsAtAnswer = sqsMock.calls().length + dynamoMock.calls().length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sqsMock.calls().length + dynamoMock.calls().length).toBe(callsAtAnswer);
  }, 30_000);
});
