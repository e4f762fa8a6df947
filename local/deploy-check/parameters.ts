/**
 * Parameter values as CloudFormation takes them: refused when they break the template's own constraints (moto
 * accepts anything), and the constraints themselves held to the AWS limits of the properties each parameter feeds.
 */
import type { Template, TemplateParameter } from '../../template/index.js';

/** Raised for parameter values CloudFormation would refuse before it creates anything. */
export class ParameterValueError extends Error {
  override readonly name = 'ParameterValueError';
}

/** Why CloudFormation would refuse `value` for `parameter`; undefined when it takes it. */
export function parameterViolation(name: string, parameter: TemplateParameter, value: string): string | undefined {
  const minLength = parameter.MinLength as number | undefined;
  const maxLength = parameter.MaxLength as number | undefined;
  if (parameter.AllowedValues !== undefined && !parameter.AllowedValues.map(String).includes(value)) return `${name} must be one of ${parameter.AllowedValues.join(', ')}`;
  if (parameter.Type === 'Number') {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) return `${name} must be a number`;
    if (parameter.MinValue !== undefined && number < parameter.MinValue) return `${name} must be at least ${parameter.MinValue}`;
    if (parameter.MaxValue !== undefined && number > parameter.MaxValue) return `${name} must be at most ${parameter.MaxValue}`;
    return undefined;
  }
  // CloudFormation matches AllowedPattern against the whole value.
  if (parameter.AllowedPattern !== undefined && !new RegExp(`^(?:${parameter.AllowedPattern})$`).test(value)) return `${name}: ${String(parameter.ConstraintDescription ?? `must match ${parameter.AllowedPattern}`)}`;
  if (minLength !== undefined && value.length < minLength) return `${name} must be at least ${minLength} characters`;
  if (maxLength !== undefined && value.length > maxLength) return `${name} must be at most ${maxLength} characters`;
  return undefined;
}

/** Refuses values CloudFormation would refuse, every one named. */
export function checkParameterValues(template: Template, values: Record<string, string>): void {
  const problems = Object.entries(template.Parameters ?? {}).flatMap(([name, parameter]) => {
    const value = values[name] ?? (parameter.Default === undefined ? undefined : String(parameter.Default));
    if (value === undefined) return [`${name} has no default: sam deploy --guided asks for it`];
    const violation = parameterViolation(name, parameter, value);
    return violation === undefined ? [] : [violation];
  });
  if (problems.length > 0) throw new ParameterValueError(`CloudFormation would refuse these parameter values: ${problems.join('; ')}`);
}

/** An AWS limit of one resource property (from the CloudFormation and service references). */
export interface PropertyLimit {
  min?: number;
  max?: number;
  allowedValues?: readonly (string | number)[];
  maxLength?: number;
  /** Values AWS takes; a parameter's pattern must take no value this refuses. */
  pattern?: RegExp;
  source: string;
}

const ALARM_ACTION: PropertyLimit = { maxLength: 1024, pattern: /^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$/, source: 'CloudWatch AlarmActions / OKActions (an ARN, 1-1024)' };
const IAM_RESOURCE: PropertyLimit = { maxLength: 2048, source: 'IAM ARN (20-2048)' };
const PARTNER_BUS: PropertyLimit = { maxLength: 256, pattern: /^aws\.partner(\/[.\-_A-Za-z0-9]+){2,}$/, source: 'EventBridge partner bus / event source name (aws.partner/..., [/.-_A-Za-z0-9], 1-256)' };

/** The AWS limits of the properties the template's parameters feed, by `Type.Property.Path` (`*` for list items). */
export const PROPERTY_LIMITS: Record<string, PropertyLimit> = {
  'AWS::Lambda::EventSourceMapping.BatchSize': { min: 1, max: 10_000, source: 'Lambda EventSourceMapping BatchSize (SQS: 1-10000)' },
  'AWS::Lambda::EventSourceMapping.MaximumBatchingWindowInSeconds': { min: 0, max: 300, source: 'Lambda MaximumBatchingWindowInSeconds (0-300)' },
  'AWS::Lambda::EventSourceMapping.ScalingConfig.MaximumConcurrency': { min: 2, max: 1000, source: 'Lambda ScalingConfig MaximumConcurrency (2-1000)' },
  'AWS::SQS::Queue.RedrivePolicy.maxReceiveCount': { min: 1, max: 1000, source: 'SQS RedrivePolicy maxReceiveCount (1-1000)' },
  'AWS::Logs::LogGroup.RetentionInDays': {
    allowedValues: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
    source: 'CloudWatch Logs PutRetentionPolicy retentionInDays',
  },
  'AWS::StepFunctions::StateMachine.LoggingConfiguration.Level': { allowedValues: ['ALL', 'ERROR', 'FATAL', 'OFF'], source: 'Step Functions LogLevel' },
  // The EventsQueue alarm watches ApproximateAgeOfOldestMessage, which never exceeds the queue's retention (345600 s).
  'AWS::CloudWatch::Alarm.Threshold': { min: 0, max: 345_600, source: "ApproximateAgeOfOldestMessage cannot exceed the EventsQueue's MessageRetentionPeriod" },
  'AWS::CloudWatch::Alarm.AlarmActions.*': ALARM_ACTION,
  'AWS::CloudWatch::Alarm.OKActions.*': ALARM_ACTION,
  'AWS::Events::EventBus.Name': PARTNER_BUS,
  'AWS::Events::EventBus.EventSourceName': PARTNER_BUS,
  'AWS::Events::Rule.EventBusName': { maxLength: 256, pattern: /^$|^[/.\-_A-Za-z0-9]+$/, source: 'EventBridge PutRule EventBusName ([/.-_A-Za-z0-9], 1-256)' },
  'AWS::Events::Archive.RetentionDays': { min: 0, max: 2_147_483_647, source: 'EventBridge CreateArchive RetentionDays (0 = indefinitely: the template creates no archive for 0)' },
  'AWS::SecretsManager::Secret.KmsKeyId': { maxLength: 2048, source: 'Secrets Manager KmsKeyId (key ARN, 0-2048)' },
  'AWS::IAM::Role.Policies.*.PolicyDocument.Statement.*.Resource': IAM_RESOURCE,
  'AWS::IAM::Role.Policies.*.PolicyDocument.Statement.*.Resource.*': IAM_RESOURCE,
};

/** Lambda's limit on a function's environment: the names and values of all its variables together. */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;

/** One place a parameter's value lands: the resource type and the property path. */
export interface ParameterFeed {
  parameter: string;
  logicalId: string;
  type: string;
  path: string;
}

/** Where each parameter's value lands in the (translated) template as the whole value of a property; text inside Fn::Sub is not a feed. */
export function parameterFeeds(template: Template): ParameterFeed[] {
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const feeds: ParameterFeed[] = [];
  const walk = (node: unknown, path: string[], logicalId: string, type: string): void => {
    if (Array.isArray(node)) return node.forEach((item) => walk(item, [...path, '*'], logicalId, type));
    if (node === null || typeof node !== 'object') return;
    const entries = Object.entries(node);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key === 'Ref' && typeof argument === 'string' && parameters.has(argument)) {
      feeds.push({ parameter: argument, logicalId, type, path: path.join('.') });
      return;
    }
    if (entries.length === 1 && key === 'Fn::If' && Array.isArray(argument)) {
      walk(argument[1], path, logicalId, type);
      walk(argument[2], path, logicalId, type);
      return;
    }
    if (entries.length === 1 && key !== undefined && (key.startsWith('Fn::') || key === 'Condition')) return;
    for (const [name, value] of entries) walk(value, [...path, name], logicalId, type);
  };
  for (const [logicalId, resource] of Object.entries(template.Resources)) walk(resource.Properties ?? {}, [], logicalId, resource.Type);
  return feeds;
}
