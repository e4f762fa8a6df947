/**
 * Every template parameter's constraints against the AWS limits of what it feeds. moto takes any value, and
 * CloudFormation refuses a bad one only at deploy time, after the user has waited: a constraint looser than the
 * property it feeds lets `sam deploy --guided` take a value the deploy then fails on.
 */
import { loadTemplate, parameterValues, type TemplateParameter } from '../../template/index.js';
import { GUIDED_PARAMETERS } from '../../local/deploy-check/scenarios.js';
import { packageTemplate } from '../../local/deploy-check/package.js';
import {
  LAMBDA_ENVIRONMENT_BYTES,
  PROPERTY_LIMITS,
  ParameterValueError,
  checkParameterValues,
  parameterFeeds,
  parameterViolation,
  type ParameterFeed,
} from '../../local/deploy-check/parameters.js';
import { translateTemplate } from '../../local/deploy-check/translate.js';
import { buildFunctions } from '../../tools/build.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const template = loadTemplate();
const parameters = template.Parameters ?? {};
const buildDir = mkdtempSync(join(tmpdir(), 'parameter-limits-'));
let feeds: ParameterFeed[] = [];
let translated: ReturnType<typeof translateTemplate>;

beforeAll(async () => {
  await buildFunctions({ template, outDir: buildDir });
  translated = translateTemplate(packageTemplate(template, 'bucket', buildDir).template, parameterValues(template, { ...GUIDED_PARAMETERS }), 'us-east-1');
  feeds = parameterFeeds(translated);
}, 60_000);

afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

const isEnvironment = (feed: ParameterFeed): boolean => feed.type === 'AWS::Lambda::Function' && feed.path.startsWith('Environment.Variables.');
const limitOf = (feed: ParameterFeed) => PROPERTY_LIMITS[`${feed.type}.${feed.path}`];

/** Values a user might type: shapes AWS takes and shapes it refuses. */
const PROBES = [
  'aws.partner/genesys.com/cloud/0b3e1e6a-5c4f-4c2e-9d1a-6f0e2a7b9c11/genesys-events',
  'aws.partner/genesys.com/cloud/org id with spaces/x',
  'aws.partner/genesys.com/cloud/org:id/x',
  'aws.partner/genesys.com/',
  `aws.partner/genesys.com/${'x'.repeat(300)}`,
  'my-existing-bus',
  'bus with space',
  'arn:aws:events:us-east-1:123456789012:event-bus/my-bus',
  'arn:aws:sns:us-east-1:123456789012:pipeline-alarms',
  'arn:aws:sns:us-east-1:123456789012:pipeline alarms',
  `arn:aws:sns:us-east-1:123456789012:${'t'.repeat(300)}`,
  '',
];

/** The longest value a parameter takes, as text. */
function maxLength(parameter: TemplateParameter): number | undefined {
  if (parameter.AllowedValues !== undefined) return Math.max(...parameter.AllowedValues.map((value) => String(value).length));
  if (parameter.Type === 'Number' && parameter.MaxValue !== undefined) return String(parameter.MaxValue).length;
  return parameter.MaxLength as number | undefined;
}

describe('template parameters against the AWS limits of what they feed', () => {
  it('finds where every parameter lands', () => {
    const fed = new Set(feeds.map((feed) => feed.parameter));
    expect(Object.keys(parameters).filter((name) => !fed.has(name))).toEqual([]);
  });

  it('knows the AWS limit of every property a parameter feeds (an environment variable is bounded as the whole environment)', () => {
    const unknown = feeds.filter((feed) => !isEnvironment(feed) && limitOf(feed) === undefined).map((feed) => `${feed.parameter} → ${feed.type}.${feed.path}`);
    expect(unknown).toEqual([]);
  });

  it('keeps every number inside the range AWS takes', () => {
    for (const feed of feeds.filter((candidate) => !isEnvironment(candidate))) {
      const parameter = parameters[feed.parameter]!;
      const limit = limitOf(feed)!;
      if (parameter.Type !== 'Number') continue;
      const where = `${feed.parameter} → ${feed.type}.${feed.path} (${limit.source})`;
      if (limit.allowedValues !== undefined) {
        expect({ where, outside: (parameter.AllowedValues ?? [NaN]).filter((value) => !limit.allowedValues!.includes(Number(value))) }).toEqual({ where, outside: [] });
        continue;
      }
      expect({ where, min: parameter.MinValue !== undefined && parameter.MinValue >= (limit.min ?? -Infinity) }).toEqual({ where, min: true });
      expect({ where, max: parameter.MaxValue !== undefined && parameter.MaxValue <= (limit.max ?? Infinity) }).toEqual({ where, max: true });
    }
  });

  it('lets no text through that AWS refuses: bounded in length, and no probe the parameter takes is one AWS refuses', () => {
    for (const feed of feeds.filter((candidate) => !isEnvironment(candidate))) {
      const parameter = parameters[feed.parameter]!;
      const limit = limitOf(feed)!;
      if (parameter.Type === 'Number') continue;
      const where = `${feed.parameter} → ${feed.type}.${feed.path} (${limit.source})`;
      if (limit.allowedValues !== undefined) {
        expect({ where, outside: (parameter.AllowedValues ?? ['(any)']).filter((value) => !limit.allowedValues!.includes(value)) }).toEqual({ where, outside: [] });
        continue;
      }
      if (limit.maxLength !== undefined) expect({ where, bounded: (maxLength(parameter) ?? Infinity) <= limit.maxLength }).toEqual({ where, bounded: true });
      const taken = PROBES.filter((probe) => parameterViolation(feed.parameter, parameter, probe) === undefined);
      const refused = taken.filter((probe) => (limit.pattern !== undefined && !limit.pattern.test(probe)) || probe.length > (limit.maxLength ?? Infinity));
      // An empty value for an optional parameter does not reach the property (its condition leaves it out).
      expect({ where, refusedByAws: refused.filter((probe) => probe !== '') }).toEqual({ where, refusedByAws: [] });
    }
  });

  it("keeps each function's environment within Lambda's 4 KB, every parameter at its longest", () => {
    for (const [logicalId, resource] of Object.entries(translated.Resources).filter(([, candidate]) => candidate.Type === 'AWS::Lambda::Function')) {
      const variables = ((resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
      let bytes = 0;
      for (const [name, value] of Object.entries(variables)) {
        const fed = feeds.find((feed) => feed.logicalId === logicalId && feed.path === `Environment.Variables.${name}`);
        // A value the stack makes (an ARN, a queue URL, a generated name) is at most 256 characters here.
        const longest = fed === undefined ? (typeof value === 'string' ? value.length : 256) : (maxLength(parameters[fed.parameter]!) ?? Infinity);
        bytes += name.length + longest;
      }
      expect({ logicalId, within: bytes <= LAMBDA_ENVIRONMENT_BYTES, bytes }).toMatchObject({ logicalId, within: true });
    }
  });
});

describe('parameter values as CloudFormation takes them', () => {
  const defaults = parameterValues(template, { ...GUIDED_PARAMETERS });

  it('takes the defaults with the one value sam deploy --guided asks for', () => {
    expect(() => checkParameterValues(template, defaults)).not.toThrow();
  });

  it.each([
    ['BatchSize', '11', 'BatchSize must be at most 10'],
    ['MaximumConcurrency', '1', 'MaximumConcurrency must be at least 2'],
    ['LogRetentionInDays', '10', 'LogRetentionInDays must be one of'],
    ['GenesysEventSourceName', 'aws.partner/genesys.com/org id', 'GenesysEventSourceName:'],
    ['MaxReceiveCount', 'five', 'MaxReceiveCount must be a number'],
  ])('refuses %s=%s, naming it', (name, value, message) => {
    expect(() => checkParameterValues(template, { ...defaults, [name]: value })).toThrow(ParameterValueError);
    expect(() => checkParameterValues(template, { ...defaults, [name]: value })).toThrow(message);
  });

  it('refuses a parameter without a default that has no value, as the guided deploy would ask for it', () => {
    const { GenesysEventSourceName: _asked, ...rest } = defaults;
    expect(() => checkParameterValues(template, rest)).toThrow('GenesysEventSourceName has no default');
  });
});
