import { defaultActions, kindsOf } from '../../tools/actions/index.js';
import { jest } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readDispatcherConfig, readProcessorConfig } from '../../functions/shared/config.js';
import { CONVERSATION_DETAIL_TYPE_PREFIX, GENESYS_SOURCE_PREFIX } from '../../functions/shared/events.js';
import {
  DEFAULT_PSEUDO_PARAMETERS,
  PROJECT_ROOT,
  functionBuilds,
  functionEnvironment,
  functionProperty,
  getProperties,
  isCreated,
  loadDefinition,
  loadTemplate,
  parameterValues,
  parseTemplate,
  placeholderArn,
  resolveValue,
  soleStateMachine,
  substitutionNames,
} from '../../template/index.js';
import { NotCreatedError, TemplateResolver } from '../../template/resolver.js';

const template = loadTemplate();
const props = (id: string): Record<string, unknown> => getProperties(template, id);
type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource: unknown; Condition?: unknown };
const queuePolicy = (id: string): Statement[] => (props(id).PolicyDocument as { Statement: Statement[] }).Statement;
const inlineStatements = (id: string): Statement[] =>
  (props(id).Policies as { Statement?: Statement[] }[]).flatMap((policy) => policy.Statement ?? []);
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });
const ref = (id: string) => ({ Ref: id });

/** The environment Lambda would see, with every resource reference answered by a placeholder. */
function deployedEnvironment(functionId: string): Record<string, string> {
  const env = resolveValue(template, functionEnvironment(template, functionId), {
    parameters: { GenesysEventSourceName: 'aws.partner/genesys.com/cloud/org/suffix' },
    ref: (id) => placeholderArn(template, id),
    getAtt: (id) => placeholderArn(template, id),
  });
  return env as Record<string, string>;
}

describe('template loader', () => {
  it('reads CloudFormation short-form tags as their long forms', () => {
    const parsed = parseTemplate(`
Resources:
  R:
    Type: X
    Properties:
      A: !Ref P
      B: !GetAtt Q.Arn
      C: !Sub 'x-\${P}'
      D: !If [Cond, !Select [0, !Split [',', !Join [',', [a, b]]]], !Not [!Equals [a, b]]]
`);
    expect(parsed.Resources.R!.Properties).toEqual({
      A: { Ref: 'P' },
      B: { 'Fn::GetAtt': ['Q', 'Arn'] },
      C: { 'Fn::Sub': 'x-${P}' },
      D: {
        'Fn::If': [
          'Cond',
          { 'Fn::Select': [0, { 'Fn::Split': [',', { 'Fn::Join': [',', ['a', 'b']] }] }] },
          { 'Fn::Not': [{ 'Fn::Equals': ['a', 'b'] }] },
        ],
      },
    });
  });
});

describe('resolveValue', () => {
  const stackAndRegion = { 'Fn::Sub': '${AWS::StackName} in ${AWS::Region} of ${AWS::AccountId}' };

  it('answers pseudo parameters from one table, without asking the caller\'s ref', () => {
    const ref = jest.fn((id: string) => `ref-${id}`);

    expect(resolveValue(template, stackAndRegion, { ref })).toBe('genesys-events-pipeline in us-east-1 of 123456789012');
    expect(ref).not.toHaveBeenCalled();
    expect(DEFAULT_PSEUDO_PARAMETERS['AWS::Partition']).toBe('aws');
  });

  it('takes the pseudo parameters a caller overrides, the others from the table', () => {
    expect(resolveValue(template, stackAndRegion, { pseudoParameters: { 'AWS::StackName': 'local' } })).toBe('local in us-east-1 of 123456789012');
  });

  it('merges the template\'s parameter defaults under the overrides, as strings', () => {
    const values = parameterValues(template, { BatchSize: 5 });

    expect(values.BatchSize).toBe('5');
    expect(values.LogRetentionInDays).toBe(String(template.Parameters!.LogRetentionInDays!.Default));
    expect(resolveValue(template, { Ref: 'BatchSize' }, { parameters: { BatchSize: 5 } })).toBe('5');
  });

  it('refuses a Ref nobody answers', () => {
    expect(() => resolveValue(template, { Ref: 'EventsQueue' })).toThrow('cannot resolve Ref EventsQueue');
  });
});

describe('TemplateResolver', () => {
  it('resolves with the merged parameters and its own stack name', () => {
    const resolver = new TemplateResolver(template, { BatchSize: 7 }, 'my-stack');

    expect(resolver.parameters).toEqual(parameterValues(template, { BatchSize: 7 }));
    expect(resolver.resolve({ 'Fn::Sub': '${AWS::StackName}/${BatchSize}/${AWS::Region}' })).toBe('my-stack/7/us-east-1');
  });

  it('answers Ref and GetAtt of the resources it was told about, and refuses the others', () => {
    const resolver = new TemplateResolver(template);
    resolver.setResource('EventsQueue', { ref: 'http://queue', attributes: { Arn: 'arn:queue' } });

    expect(resolver.resolve({ Ref: 'EventsQueue' })).toBe('http://queue');
    expect(resolver.resolveString({ 'Fn::GetAtt': ['EventsQueue', 'Arn'] })).toBe('arn:queue');
    expect(() => resolver.resolve({ Ref: 'EventsDeadLetterQueue' })).toThrow(NotCreatedError);
    expect(() => resolver.resolve({ 'Fn::GetAtt': ['EventsQueue', 'QueueName'] })).toThrow(NotCreatedError);
  });

  it('decides conditions as isCreated does, for its parameters', () => {
    expect(new TemplateResolver(template, { ExistingEventBusName: 'my-bus' }).isCreated('EventsBus')).toBe(false);
    expect(new TemplateResolver(template).isCreated('EventsBus')).toBe(isCreated(template, 'EventsBus'));
  });
});

describe('template.yaml', () => {
  describe('parameters', () => {
    it.each(Object.keys(template.Parameters!))('%s has a Description', (name) => {
      expect(template.Parameters![name]!.Description).toEqual(expect.any(String));
    });

    it('has a default for every parameter but GenesysEventSourceName', () => {
      const withoutDefault = Object.entries(template.Parameters!).filter(([, p]) => p.Default === undefined).map(([name]) => name);
      expect(withoutDefault).toEqual(['GenesysEventSourceName']);
    });

    it('never takes a credential as a parameter', () => {
      const names = Object.keys(template.Parameters!);
      expect(names.filter((name) => /password|token|clientid|clientsecret$|apikey/i.test(name))).toEqual([]);
      expect(Object.values(template.Parameters!).filter((p) => p.NoEcho)).toEqual([]);
    });

    it.each(['mypurecloud.com', 'mypurecloud.ie', 'usw2.pure.cloud', 'use2.us-gov-pure.cloud'])(
      'GenesysEnvironment accepts %s',
      (environment) => {
        expect(new RegExp(template.Parameters!.GenesysEnvironment!.AllowedPattern!).test(environment)).toBe(true);
      },
    );

    it.each(['https://api.mypurecloud.com', 'mypurecloud', 'MyPureCloud.com/'])('GenesysEnvironment rejects %s', (environment) => {
      expect(new RegExp(template.Parameters!.GenesysEnvironment!.AllowedPattern!).test(environment)).toBe(false);
    });
  });

  describe('events in', () => {
    it('creates the partner bus named after its event source unless an existing bus is given', () => {
      expect(props('EventsBus')).toEqual({ Name: ref('GenesysEventSourceName'), EventSourceName: ref('GenesysEventSourceName') });
      expect(isCreated(template, 'EventsBus', { ExistingEventBusName: '' })).toBe(true);
      expect(isCreated(template, 'EventsBus', { ExistingEventBusName: 'my-bus' })).toBe(false);
      const busName = props('GenesysConversationEventsRule').EventBusName;
      expect(resolveValue(template, busName, { parameters: { ExistingEventBusName: 'my-bus' } })).toBe('my-bus');
      expect(resolveValue(template, busName, { ref: (id) => `ref:${id}` })).toBe('ref:EventsBus');
    });

    it('matches Genesys conversation events by source, and only of the kinds actions.yaml acts on', () => {
      expect(props('GenesysConversationEventsRule').EventPattern).toEqual({
        source: [{ prefix: GENESYS_SOURCE_PREFIX }],
        'detail-type': kindsOf(defaultActions()).map((kind) => ({ wildcard: `${CONVERSATION_DETAIL_TYPE_PREFIX}*.${kind}` })),
      });
    });

    it('targets the EventsQueue, with its own dead-letter queue and a retry policy', () => {
      const [target, ...others] = props('GenesysConversationEventsRule').Targets as unknown[];
      expect(others).toEqual([]);
      expect(target).toMatchObject({
        Arn: getAtt('EventsQueue'),
        DeadLetterConfig: { Arn: getAtt('RuleDeadLetterQueue') },
        RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
      });
    });
  });

  describe('queues', () => {
    it.each(['EventsQueue', 'EventsDeadLetterQueue', 'RuleDeadLetterQueue'])('%s is encrypted with SQS-managed keys', (queue) => {
      expect(props(queue).SqsManagedSseEnabled).toBe(true);
    });

    it.each([
      ['EventsQueuePolicy', 'EventsQueue'],
      ['EventsDeadLetterQueuePolicy', 'EventsDeadLetterQueue'],
      ['RuleDeadLetterQueuePolicy', 'RuleDeadLetterQueue'],
    ])('%s denies every action without TLS on %s', (policy, queue) => {
      expect(props(policy).Queues).toEqual([ref(queue)]);
      expect(queuePolicy(policy)).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:*',
          Resource: getAtt(queue),
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    });

    it.each([
      ['EventsQueuePolicy', 'EventsQueue'],
      ['RuleDeadLetterQueuePolicy', 'RuleDeadLetterQueue'],
    ])('%s lets only the rule send to %s', (policy, queue) => {
      const allows = queuePolicy(policy).filter((s) => s.Effect === 'Allow');
      expect(allows).toEqual([
        expect.objectContaining({
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: getAtt(queue),
          Condition: { ArnEquals: { 'aws:SourceArn': getAtt('GenesysConversationEventsRule') } },
        }),
      ]);
    });

    it('lets no one but SQS redrive into the EventsDeadLetterQueue, and the dispatcher park there', () => {
      expect(queuePolicy('EventsDeadLetterQueuePolicy').filter((s) => s.Effect === 'Allow')).toEqual([]);
    });

    it('redrives the EventsQueue to its dead-letter queue after MaxReceiveCount receives', () => {
      expect(props('EventsQueue').RedrivePolicy).toEqual({
        deadLetterTargetArn: getAtt('EventsDeadLetterQueue'),
        maxReceiveCount: ref('MaxReceiveCount'),
      });
      expect(props('EventsQueue').VisibilityTimeout).toBe(1080);
    });

    it.each(['EventsDeadLetterQueue', 'RuleDeadLetterQueue'])('%s keeps messages 14 days', (queue) => {
      expect(props(queue).MessageRetentionPeriod).toBe(1_209_600);
    });
  });

  describe('idempotency table', () => {
    it('is keyed on id, expires on expiration, billed per request, recoverable and encrypted', () => {
      expect(props('IdempotencyTable')).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });
  });

  describe('functions', () => {
    const functions = ['DispatcherFunction', 'ProcessorFunction'];

    it.each(functions)('%s runs Node.js 22 on arm64 with active tracing', (id) => {
      expect(functionProperty(template, id, 'Runtime')).toBe('nodejs22.x');
      expect(functionProperty(template, id, 'Architectures')).toEqual(['arm64']);
      expect(functionProperty(template, id, 'Tracing')).toBe('Active');
      expect(functionProperty(template, id, 'CodeUri')).toBe('.');
      expect(functionProperty(template, id, 'Handler')).toBe('handler.handler');
    });

    it.each(functionBuilds(template).map((fn) => [fn.logicalId, fn] as const))('%s is bundled by esbuild as an ES module', (id, fn) => {
      const name = id.replace(/Function$/, '').toLowerCase();
      expect(fn.buildProperties).toMatchObject({
        Format: 'esm',
        Minify: true,
        Target: 'es2022',
        Sourcemap: true,
        OutExtension: ['.js=.mjs'],
        EntryPoints: [`functions/${name}/handler.ts`],
        Banner: ["js=import { createRequire } from 'module';const require = createRequire(import.meta.url);"],
      });
      expect(existsSync(resolve(PROJECT_ROOT, fn.buildProperties.EntryPoints[0]!))).toBe(true);
    });

    it('builds both functions with esbuild', () => {
      expect(functionBuilds(template).map((fn) => fn.logicalId)).toEqual(functions);
    });

    // SAM keeps esbuild settings per function and CloudFormation's YAML has no merge key: only the lists are aliases.
    it('builds both functions with the same esbuild settings but for the entry point and the DynamoDB client the processor leaves out', () => {
      const [dispatcher, processor] = functions.map((id) => {
        const { BuildProperties, ...metadata } = template.Resources[id]!.Metadata as { BuildProperties: Record<string, unknown> };
        const { EntryPoints: _entryPoints, External, ...shared } = BuildProperties;
        return { settings: { ...metadata, ...shared }, external: External as string[] };
      });
      expect(processor!.settings).toEqual(dispatcher!.settings);
      expect(processor!.external).toEqual([...dispatcher!.external, '@aws-sdk/client-dynamodb']);
    });

    it.each(functions)('%s logs to its own log group with a retention', (id) => {
      const logGroup = Object.values(template.Resources).find(
        (r) => r.Type === 'AWS::Logs::LogGroup' && JSON.stringify(r.Properties?.LogGroupName) === JSON.stringify({ 'Fn::Sub': `/aws/lambda/\${${id}}` }),
      );
      expect(logGroup?.Properties?.RetentionInDays).toEqual(ref('LogRetentionInDays'));
    });

    it('gives the dispatcher its SQS event source settings from the parameters', () => {
      expect(props('DispatcherFunction').Events).toEqual({
        EventsQueueEvent: {
          Type: 'SQS',
          Properties: {
            Queue: getAtt('EventsQueue'),
            BatchSize: ref('BatchSize'),
            MaximumBatchingWindowInSeconds: ref('MaximumBatchingWindowInSeconds'),
            FunctionResponseTypes: ['ReportBatchItemFailures'],
            ScalingConfig: { MaximumConcurrency: ref('MaximumConcurrency') },
          },
        },
      });
    });

    it('lets the dispatcher start synchronous executions of the one state machine it is configured with', () => {
      expect(inlineStatements('DispatcherFunction')).toContainEqual(
        expect.objectContaining({ Effect: 'Allow', Action: 'states:StartSyncExecution', Resource: ref('ProcessEventStateMachine') }),
      );
      expect(functionEnvironment(template, 'DispatcherFunction').STATE_MACHINE_ARN).toEqual(ref('ProcessEventStateMachine'));
    });

    it('grants the dispatcher exactly the table, queue and workflow actions it uses', () => {
      expect(inlineStatements('DispatcherFunction').map(({ Action, Resource }) => ({ Action, Resource }))).toEqual([
        { Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: getAtt('IdempotencyTable') },
        { Action: 'states:StartSyncExecution', Resource: ref('ProcessEventStateMachine') },
        { Action: 'sqs:SendMessage', Resource: getAtt('EventsDeadLetterQueue') },
        { Action: 'sqs:ChangeMessageVisibility', Resource: getAtt('EventsQueue') },
      ]);
    });

    /** The processor's statements as IAM would get them for these parameters. */
    const processorStatements = (parameters: Record<string, string>): Statement[] =>
      resolveValue(template, inlineStatements('ProcessorFunction'), {
        parameters: { GenesysEventSourceName: 'aws.partner/genesys.com/cloud/org/suffix', ...parameters },
        ref: (id) => `ref-${id}`,
      }) as Statement[];
    /** IAM's ARN matching: `?` one character, `*` any run of them. */
    const iamMatches = (pattern: string, arn: string): boolean =>
      new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\/]/g, '\\$&').replace(/\?/g, '.').replace(/\*/g, '.*')}$`).test(arn);
    const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys/client-AbC123';

    it('lets the processor read only the Genesys client secret it is configured with: the one it created', () => {
      expect(processorStatements({})).toEqual([
        expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: 'ref-GenesysClientSecret' }),
      ]);
      expect(functionEnvironment(template, 'ProcessorFunction').GENESYS_SECRET_ID).toEqual({ 'Fn::If': ['CreateClientSecret', ref('GenesysClientSecret'), ref('GenesysClientSecretArn')] });
    });

    it.each([
      ['a complete ARN', SECRET],
      ['a partial ARN, without the 6-character suffix', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys/client'],
    ])('grants the secret named by %s, and no secret of another name', (_label, parameter) => {
      const [read] = processorStatements({ GenesysClientSecretArn: parameter });
      const resources = [read!.Resource].flat() as string[];

      expect(read).toMatchObject({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue' });
      expect(resources.some((pattern) => iamMatches(pattern, SECRET))).toBe(true);
      expect(resources.some((pattern) => iamMatches(pattern, SECRET.replace('genesys/client', 'genesys/other')))).toBe(false);
      expect(resources.some((pattern) => iamMatches(pattern, SECRET.replace('genesys/client-AbC123', 'genesys/client-admin-AbC123')))).toBe(false);
    });

    it('grants kms:Decrypt on a customer managed key only when one is named, only through Secrets Manager, only for the secret', () => {
      const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      const statements = processorStatements({ GenesysClientSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys/client', GenesysClientSecretKmsKeyArn: key });

      expect(statements).toHaveLength(2);
      expect(statements[1]).toEqual({
        Sid: 'DecryptGenesysClientCredentials',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: key,
        Condition: {
          StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:SecretARN': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys/client*' },
        },
      });
      expect(processorStatements({ GenesysClientSecretArn: SECRET })).toHaveLength(1);
      expect(props('GenesysClientSecret').KmsKeyId).toEqual({ 'Fn::If': ['HasSecretKmsKey', ref('GenesysClientSecretKmsKeyArn'), ref('AWS::NoValue')] });
    });
  });

  describe('environment', () => {
    const configSource = readFileSync(resolve(PROJECT_ROOT, 'functions/shared/config.ts'), 'utf8');
    /** The variables a reader function of config.ts reads from what template.yaml sets (its required, positiveNumber, optional and oneOf calls). */
    const variablesRead = (reader: string): string[] => {
      const body = configSource.slice(configSource.indexOf(`function ${reader}`)).split(/\n}\n/)[0]!;
      return [...body.matchAll(/(?:required|positiveNumber|optional|oneOf)\(env, '([A-Z_]+)'/g)].map((match) => match[1]!).sort();
    };
    const variablesSet = (id: string): string[] =>
      Object.keys(functionEnvironment(template, id))
        .filter((name) => !['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE'].includes(name))
        .sort();

    it.each([
      ['DispatcherFunction', 'readDispatcherConfig'],
      ['ProcessorFunction', 'readProcessorConfig'],
    ])('%s sets exactly the variables %s requires', (id, reader) => {
      expect(variablesRead(reader).length).toBeGreaterThan(0);
      expect(variablesSet(id)).toEqual(variablesRead(reader));
    });

    it.each([
      ['DispatcherFunction', 'genesys-dispatcher'],
      ['ProcessorFunction', 'genesys-processor'],
    ])('%s names its Powertools service %s and takes the log level from LogLevel', (id, service) => {
      expect(functionEnvironment(template, id)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_LOG_LEVEL: ref('LogLevel'),
      });
    });

    it.each(['DispatcherFunction', 'ProcessorFunction'])('%s does not map stack traces at run time (a cold-start and per-error cost)', (id) => {
      expect(String(functionEnvironment(template, id).NODE_OPTIONS ?? '')).not.toContain('--enable-source-maps');
    });

    it('is accepted by readDispatcherConfig', () => {
      expect(readDispatcherConfig(deployedEnvironment('DispatcherFunction'))).toEqual({
        stateMachineArn: placeholderArn(template, 'ProcessEventStateMachine'),
        idempotencyTableName: placeholderArn(template, 'IdempotencyTable'),
        idempotencyExpirySeconds: 7200,
        eventsQueueUrl: placeholderArn(template, 'EventsQueue'),
        deadLetterQueueUrl: placeholderArn(template, 'EventsDeadLetterQueue'),
        retryBaseDelaySeconds: 120,
        retryMaxDelaySeconds: 900,
        maxReceiveCount: 5,
        workflowTimeoutSeconds: 150,
      });
    });

    it('is accepted by readProcessorConfig, reaching the Genesys environment of the parameter', () => {
      expect(readProcessorConfig(deployedEnvironment('ProcessorFunction'))).toMatchObject({
        genesysEnvironment: 'mypurecloud.com',
        loginBaseUrl: 'https://login.mypurecloud.com',
        apiBaseUrl: 'https://api.mypurecloud.com',
        secretId: placeholderArn(template, 'GenesysClientSecret'),
        secretMaxAgeSeconds: 300,
        requestsPerMinute: 300,
        requestTimeoutMs: 3000,
        maxInPlaceRetryAfterSeconds: 3,
      });
    });
  });

  describe('Genesys client secret', () => {
    it('is created unless an existing secret ARN is given, and then that ARN is used', () => {
      const existing = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:genesys-AbCdEf';
      expect(isCreated(template, 'GenesysClientSecret', { GenesysClientSecretArn: existing })).toBe(false);
      const secretId = functionEnvironment(template, 'ProcessorFunction').GENESYS_SECRET_ID;
      expect(resolveValue(template, secretId, { parameters: { GenesysClientSecretArn: existing } })).toBe(existing);
    });

    it('starts as a placeholder, never a credential, and says how to fill it in', () => {
      const secret = props('GenesysClientSecret') as {
        SecretString?: string;
        Description: string;
        GenerateSecretString: { SecretStringTemplate: string; GenerateStringKey: string };
      };
      expect(secret.SecretString).toBeUndefined();
      expect(JSON.parse(secret.GenerateSecretString.SecretStringTemplate)).toEqual({ clientId: 'REPLACE_ME' });
      expect(secret.GenerateSecretString.GenerateStringKey).toBe('clientSecret');
      expect(secret.Description).toMatch(/aws secretsmanager put-secret-value/);
      expect(secret.Description).toMatch(/"clientId".*"clientSecret"/);
    });
  });

  describe('workflow', () => {
    const asl = loadDefinition(template);
    const definitionText = readFileSync(resolve(PROJECT_ROOT, String(props('ProcessEventStateMachine').DefinitionUri)), 'utf8');

    it('is the template\'s one state machine, read by default', () => {
      expect(soleStateMachine(template)).toBe('ProcessEventStateMachine');
      expect(loadDefinition(template)).toEqual(loadDefinition(template, 'ProcessEventStateMachine'));
      expect(() => soleStateMachine({ Resources: {} })).toThrow('template.yaml has 0 state machines');
    });

    it('is an Express state machine from statemachine/process-event.asl.json', () => {
      expect(props('ProcessEventStateMachine')).toMatchObject({ Type: 'EXPRESS', DefinitionUri: 'statemachine/process-event.asl.json' });
    });

    it('substitutes exactly the placeholders the definition uses', () => {
      expect(Object.keys(props('ProcessEventStateMachine').DefinitionSubstitutions as object).sort()).toEqual(substitutionNames(definitionText).sort());
      expect(props('ProcessEventStateMachine').DefinitionSubstitutions).toEqual({ ProcessorFunctionArn: getAtt('ProcessorFunction') });
    });

    it('may invoke only the processor', () => {
      expect((props('ProcessEventStateMachine').Policies as unknown[])[0]).toEqual({ LambdaInvokePolicy: { FunctionName: ref('ProcessorFunction') } });
    });

    it('logs errors without execution data to its log group, and is traced', () => {
      expect(props('ProcessEventStateMachine')).toMatchObject({
        Logging: {
          Level: ref('StateMachineLogLevel'),
          IncludeExecutionData: false,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: getAtt('StateMachineLogGroup') } }],
        },
        Tracing: { Enabled: true },
      });
    });

    it('gives the processor task the processor timeout, and the execution at most 150 s', () => {
      expect(asl.States['Update conversation']!.TimeoutSeconds).toBe(props('ProcessorFunction').Timeout);
      expect(asl.TimeoutSeconds).toBeLessThanOrEqual(150);
    });
  });

  describe('outputs', () => {
    it.each([
      'EventsQueueUrl',
      'EventsDeadLetterQueueUrl',
      'RuleDeadLetterQueueUrl',
      'StateMachineArn',
      'IdempotencyTableName',
      'GenesysClientSecretArn',
      'EventBusName',
      'EventBusArn',
      'ConversationEventsRuleArn',
      'DispatcherFunctionName',
      'ProcessorFunctionName',
    ])('%s is output with a Description', (name) => {
      expect(template.Outputs?.[name]).toEqual({ Description: expect.any(String), Value: expect.anything() });
    });
  });
});
