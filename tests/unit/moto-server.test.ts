/**
 * local/stack/moto_server.py's DynamoDB fix: a conditional write is atomic, as in DynamoDB. moto evaluates the
 * condition and applies the write in two steps on many threads; without the lock, racing conditional updates
 * could both succeed (seen in 4 rounds of 100 on a loaded machine), and the shared Genesys budget handed out a
 * slot twice (tests/unit/shared-budget.test.ts failed so in CI).
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const endpoint = process.env.MOTO_ENDPOINT;
if (!endpoint) throw new Error('MOTO_ENDPOINT is not set: the global setup starts moto');
const dynamodb = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 });

afterAll(() => dynamodb.destroy());

it('lets exactly one of many racing conditional updates of an item succeed, every round', async () => {
  const TableName = `atomic-${randomUUID()}`;
  await dynamodb.send(new CreateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
  const winners: number[] = [];
  for (let round = 0; round < 40; round += 1) {
    await dynamodb.send(new PutItemCommand({ TableName, Item: { id: { S: 'slot' }, taken: { N: '0' } } }));
    const answers = await Promise.allSettled(
      Array.from({ length: 24 }, () =>
        dynamodb.send(
          new UpdateItemCommand({
            TableName,
            Key: { id: { S: 'slot' } },
            UpdateExpression: 'SET taken = taken + :one',
            ConditionExpression: 'taken = :none',
            ExpressionAttributeValues: { ':one': { N: '1' }, ':none': { N: '0' } },
          }),
        ),
      ),
    );
    winners.push(answers.filter((answer) => answer.status === 'fulfilled').length);
    const refused = answers.filter((answer) => answer.status === 'rejected').map((answer) => (answer.reason as Error).name);
    expect(new Set(refused)).toEqual(new Set(refused.length === 0 ? [] : ['ConditionalCheckFailedException']));
  }
  expect(winners.filter((count) => count !== 1)).toEqual([]);
}, 60_000);
