import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MetricName } from '../../functions/shared/metrics-sink.js';
import { PROJECT_ROOT, functionEnvironment, getProperties, loadTemplate, resolveValue, resourcesOfType } from '../../template/index.js';

const template = loadTemplate();
const props = (id: string): Record<string, unknown> => getProperties(template, id);
const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });
const ref = (id: string) => ({ Ref: id });
const topicActions = { 'Fn::If': ['HasAlarmTopic', [ref('AlarmTopicArn')], ref('AWS::NoValue')] };

/** Every alarm the issue asks for: what it watches, on which resource. */
const ALARMS: [string, unknown, string, unknown][] = [
  ['EventsDeadLetterQueueAlarm', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', getAtt('EventsDeadLetterQueue', 'QueueName')],
  ['RuleDeadLetterQueueAlarm', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', getAtt('RuleDeadLetterQueue', 'QueueName')],
  ['EventsQueueOldestMessageAlarm', 'AWS/SQS', 'ApproximateAgeOfOldestMessage', getAtt('EventsQueue', 'QueueName')],
  ['WorkflowExecutionsFailedAlarm', 'AWS/States', 'ExecutionsFailed', ref('ProcessEventStateMachine')],
  ['WorkflowExecutionsTimedOutAlarm', 'AWS/States', 'ExecutionsTimedOut', ref('ProcessEventStateMachine')],
  ['DispatcherErrorsAlarm', 'AWS/Lambda', 'Errors', ref('DispatcherFunction')],
  ['DispatcherDeadlineAlarm', { 'Fn::Sub': 'GenesysEventsPipeline/${AWS::StackName}' }, 'DeadlineReached', 'genesys-dispatcher'],
  ['ProcessorErrorsAlarm', 'AWS/Lambda', 'Errors', ref('ProcessorFunction')],
  ['DispatcherThrottlesAlarm', 'AWS/Lambda', 'Throttles', ref('DispatcherFunction')],
  ['ProcessorThrottlesAlarm', 'AWS/Lambda', 'Throttles', ref('ProcessorFunction')],
];

interface MetricSpec {
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: unknown }[];
}

/** The metrics an alarm reads: its own, or those of its metric-math query. */
function watchedMetrics(id: string): MetricSpec[] {
  const alarm = props(id);
  if (alarm.MetricName !== undefined) return [alarm as unknown as MetricSpec];
  return (alarm.Metrics as { MetricStat?: { Metric: MetricSpec } }[]).flatMap((query) => (query.MetricStat === undefined ? [] : [query.MetricStat.Metric]));
}

/** The dashboard body as CloudFormation would render it, with placeholders for what a deployment names. */
function dashboardBody(): { widgets: { type: string; properties: Record<string, unknown> }[] } {
  const rendered = resolveValue(template, props('PipelineDashboard').DashboardBody, {
    ref: (id) => `ref-${id}`,
    getAtt: (id, attribute) => `${attribute}-of-${id}`,
  });
  return JSON.parse(rendered as string);
}

describe('template.yaml operations', () => {
  describe('alarms', () => {
    it('are exactly the ones docs/operations.md explains', () => {
      expect(resourcesOfType(template, 'AWS::CloudWatch::Alarm').sort()).toEqual(ALARMS.map(([id]) => id).sort());
    });

    it.each(ALARMS)('%s watches %s %s of its resource', (id, namespace, metricName, resource) => {
      const watched = watchedMetrics(id);
      expect(watched).toContainEqual(expect.objectContaining({ Namespace: namespace, MetricName: metricName, Dimensions: [expect.objectContaining({ Value: resource })] }));
      expect(watched.every((metric) => metric.Dimensions.length === 1)).toBe(true);
    });

    it.each(ALARMS.map(([id]) => id))('%s notifies AlarmTopicArn, when set, on ALARM and on OK, and names its stack', (id) => {
      const alarm = props(id);
      expect(alarm.AlarmActions).toEqual(topicActions);
      expect(alarm.OKActions).toEqual(topicActions);
      expect(alarm.AlarmName).toEqual({ 'Fn::Sub': expect.stringMatching(/^\$\{AWS::StackName\}-[a-z-]+$/) });
      expect(alarm.TreatMissingData).toBe('notBreaching');
    });

    it.each(ALARMS.map(([id]) => id))('%s says what to do, with a pointer to docs/operations.md', (id) => {
      const description = props(id).AlarmDescription;
      const text = typeof description === 'string' ? description : (description as { 'Fn::Sub': string })['Fn::Sub'];
      expect(text).toContain('docs/operations.md');
    });

    it('fires on the first parked message in either dead-letter queue', () => {
      for (const id of ['EventsDeadLetterQueueAlarm', 'RuleDeadLetterQueueAlarm']) {
        expect(props(id)).toMatchObject({ Statistic: 'Maximum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 });
      }
    });

    it('takes the EventsQueue age threshold from OldestEventAgeAlarmSeconds, above the longest redelivery back-off', () => {
      expect(props('EventsQueueOldestMessageAlarm').Threshold).toEqual(ref('OldestEventAgeAlarmSeconds'));
      const maxBackOff = Number(functionEnvironment(template, 'DispatcherFunction').RETRY_MAX_DELAY_SECONDS);
      expect(Number(template.Parameters!.OldestEventAgeAlarmSeconds!.Default)).toBeGreaterThan(maxBackOff);
    });

    it('alarms on shares, not counts, where failures are part of normal work (workflow failures, processor errors)', () => {
      for (const id of ['WorkflowExecutionsFailedAlarm', 'ProcessorErrorsAlarm']) {
        const [expression] = (props(id).Metrics as { Expression?: string; ReturnData: boolean }[]).filter((query) => query.ReturnData);
        expect(expression?.Expression).toMatch(/^100 \* \w+ \/ MAX\(\[\w+, 1\]\)$/);
      }
    });

    it('takes the SNS topic as an optional parameter', () => {
      expect(template.Parameters!.AlarmTopicArn).toMatchObject({ Type: 'String', Default: '' });
      expect(template.Conditions!.HasAlarmTopic).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [ref('AlarmTopicArn'), ''] }] });
      const pattern = new RegExp(template.Parameters!.AlarmTopicArn!.AllowedPattern!);
      expect(pattern.test('arn:aws:sns:eu-west-1:123456789012:pipeline-alarms')).toBe(true);
      expect(pattern.test('')).toBe(true);
      expect(pattern.test('pipeline-alarms')).toBe(false);
    });
  });

  describe('metrics namespace', () => {
    it('is one per stack, set for both functions', () => {
      for (const id of ['DispatcherFunction', 'ProcessorFunction']) {
        expect(functionEnvironment(template, id).POWERTOOLS_METRICS_NAMESPACE).toEqual({ 'Fn::Sub': 'GenesysEventsPipeline/${AWS::StackName}' });
      }
    });
  });

  describe('dashboard', () => {
    const body = dashboardBody();
    const metricRows = body.widgets.flatMap((widget) => (widget.properties.metrics as unknown[][] | undefined) ?? []);
    const customRows = metricRows.filter((row) => typeof row[0] === 'string' && row[0].startsWith('GenesysEventsPipeline/'));

    it('renders to valid dashboard JSON whose every reference resolves', () => {
      expect(body.widgets.length).toBeGreaterThanOrEqual(8);
      expect(JSON.stringify(body)).not.toMatch(/\$\{/);
    });

    it.each(['Events in', 'Queue depth and age', 'In-flight workflows', 'Applied per minute', 'Genesys requests by status', 'Parked by reason', 'Latency'])(
      'shows %s',
      (title) => {
        expect(body.widgets.map((widget) => widget.properties.title)).toContainEqual(expect.stringContaining(title));
      },
    );

    it('shows every alarm', () => {
      const alarmWidget = body.widgets.find((widget) => widget.type === 'alarm');
      expect(alarmWidget?.properties.alarms).toEqual(ALARMS.map(([id]) => `Arn-of-${id}`));
    });

    it('reads custom metrics from the namespace the functions write, under the names the code emits', () => {
      expect(customRows.length).toBeGreaterThan(0);
      const names = new Set<string>(Object.values(MetricName));
      for (const row of customRows) {
        expect(row[0]).toBe('GenesysEventsPipeline/genesys-events-pipeline');
        expect(names).toContain(row[1]);
      }
    });

    it('uses the service names the functions log and publish under', () => {
      const services = new Set(customRows.map((row) => row[3]));
      const configured = ['DispatcherFunction', 'ProcessorFunction'].map((id) => functionEnvironment(template, id).POWERTOOLS_SERVICE_NAME);
      expect([...services].sort()).toEqual([...configured].sort());
    });

    it('graphs percentiles of the end-to-end latency', () => {
      const stats = customRows.filter((row) => row[1] === MetricName.EndToEndLatency).map((row) => (row.at(-1) as { stat?: string }).stat);
      expect(stats).toEqual(['p50', 'p95', 'p99']);
    });

    it('splits parked events by errorName with a search, so a new error name shows without a template change', () => {
      expect(JSON.stringify(body)).toContain(`MetricName=\\"${MetricName.EventsParked}\\"`);
    });

    it('is linked from the outputs', () => {
      expect(template.Outputs?.DashboardUrl?.Value).toEqual({ 'Fn::Sub': expect.stringContaining('${PipelineDashboard}') });
    });
  });

  describe('docs/operations.md', () => {
    const path = resolve(PROJECT_ROOT, 'docs/operations.md');
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';

    it.each(ALARMS.map(([id]) => id))('explains %s', (id) => {
      expect(text).toContain(id);
    });

    it.each(Object.values(MetricName))('names the metric %s', (name) => {
      expect(text).toContain(name);
    });

    it('is linked from the README', () => {
      expect(readFileSync(resolve(PROJECT_ROOT, 'README.md'), 'utf8')).toContain('(docs/operations.md)');
    });

    it('uses only the DLQ tool commands that exist', () => {
      const commands = [...text.matchAll(/npm run dlq -- (\w+)/g)].map((match) => match[1]);
      expect(commands.length).toBeGreaterThan(0);
      expect(commands.filter((command) => !['list', 'show', 'redrive', 'purge'].includes(command as string))).toEqual([]);
    });
  });
});
