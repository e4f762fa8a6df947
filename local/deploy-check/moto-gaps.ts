/**
 * The only place the deploy check changes the translated template, and only where moto 5.2.1's CloudFormation
 * differs from AWS's: each rewrite names the moto gap it works around. None of them touches a value the check
 * compares; what they hide is checked in the translated template instead (./static-checks.ts).
 */
import type { Template } from '../../template/index.js';

/** One rewrite: the moto gap, and what it did to this template (empty when it found nothing to do). */
export interface MotoRewrite {
  gap: string;
  changed: string[];
}

type Node = unknown;

function mapNodes(node: Node, visit: (node: Node) => Node | undefined): Node {
  const replaced = visit(node);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(node)) return node.map((item) => mapNodes(item, visit));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapNodes(value, visit)]));
}

function resourcesOf(template: Template, type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId]) => logicalId);
}

/**
 * moto answers `Ref` to an AWS::Events::EventBus with its whole model object, where CloudFormation answers the
 * bus name; `Fn::GetAtt Bus.Name` is the name in both.
 */
function refToBusAsName(template: Template): MotoRewrite {
  const buses = new Set(resourcesOf(template, 'AWS::Events::EventBus'));
  const changed: string[] = [];
  const asName = (node: Node): Node | undefined => {
    const ref = (node as { Ref?: unknown } | null)?.Ref;
    if (typeof ref !== 'string' || !buses.has(ref) || Object.keys(node as object).length !== 1) return undefined;
    changed.push(`Ref ${ref}`);
    return { 'Fn::GetAtt': [ref, 'Name'] };
  };
  template.Resources = mapNodes(template.Resources, asName) as Template['Resources'];
  if (template.Outputs !== undefined) template.Outputs = mapNodes(template.Outputs, asName) as Template['Outputs'];
  return { gap: 'Ref to an event bus answers an object, not its name: Fn::GetAtt Name instead', changed };
}

/**
 * moto reads a state machine's definition only from an inline DefinitionString: the packaged definition is
 * inlined, with DefinitionSubstitutions applied through Fn::Sub as CloudFormation applies them.
 */
function inlineDefinition(template: Template, definitions: ReadonlyMap<string, string>): MotoRewrite {
  const changed: string[] = [];
  for (const logicalId of resourcesOf(template, 'AWS::StepFunctions::StateMachine')) {
    const properties = template.Resources[logicalId]!.Properties ?? {};
    const location = properties.DefinitionS3Location as { Key?: string } | undefined;
    if (location === undefined) continue;
    const definition = definitions.get(location.Key ?? '');
    if (definition === undefined) throw new Error(`${logicalId}: no packaged definition under key ${String(location.Key)}`);
    const substitutions = (properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
    // Fn::Sub reads ${...} the template does not mean as substitutions too: escape every other one as ${!...}.
    const escaped = definition.replace(/\$\{([^}]+)\}/g, (whole, name: string) => (Object.hasOwn(substitutions, name) ? whole : `\${!${name}}`));
    delete properties.DefinitionS3Location;
    delete properties.DefinitionSubstitutions;
    properties.DefinitionString = { 'Fn::Sub': [escaped, substitutions] };
    changed.push(logicalId);
  }
  return { gap: 'a state machine definition is read only from an inline DefinitionString (not DefinitionS3Location)', changed };
}

/**
 * moto creates no AWS::CloudWatch::Alarm from a template and refuses `Fn::GetAtt Alarm.Arn`: the alarm ARN a
 * dashboard names is written as CloudFormation returns it (arn:...:cloudwatch:region:account:alarm:name).
 */
function alarmArnsAsText(template: Template): MotoRewrite {
  const alarms = new Map(
    resourcesOf(template, 'AWS::CloudWatch::Alarm').map((logicalId) => [logicalId, template.Resources[logicalId]!.Properties?.AlarmName]),
  );
  const changed: string[] = [];
  const arnOf = (logicalId: string): string => {
    const name = alarms.get(logicalId) as { 'Fn::Sub'?: string } | string | undefined;
    const text = typeof name === 'string' ? name : name?.['Fn::Sub'];
    if (text === undefined) throw new Error(`${logicalId}: an alarm without an AlarmName text cannot be named in moto`);
    changed.push(`${logicalId}.Arn`);
    return `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${text}`;
  };
  template.Resources = mapNodes(template.Resources, (node) => {
    const sub = (node as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
    const text = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
    if (text === undefined) return undefined;
    const rewritten = text.replace(/\$\{(\w+)\.Arn\}/g, (whole, logicalId: string) => (alarms.has(logicalId) ? arnOf(logicalId) : whole));
    if (rewritten === text) return undefined;
    return { 'Fn::Sub': typeof sub === 'string' ? rewritten : [rewritten, (sub as unknown[])[1]] };
  }) as Template['Resources'];
  return { gap: 'Fn::GetAtt on an AWS::CloudWatch::Alarm is refused (moto creates no alarm): its ARN written as text', changed };
}

/** The name moto gives a bus CloudFormation would call `name`: its slashes made dashes (see {@link busNamesWithoutSlashes}). */
export function motoBusName(name: string): string {
  return name.split('/').join('-');
}

/**
 * moto looks a rule's bus up by the last `/`-separated segment of the name it is given, so a rule on a partner bus
 * (aws.partner/genesys.com/...) finds no bus: the bus's name and event source are written with dashes for slashes
 * (motoBusName), and the partner event source is created under that name. The bus name is checked in the
 * translated template instead.
 */
function busNamesWithoutSlashes(template: Template): MotoRewrite {
  const changed: string[] = [];
  const dashed = (value: unknown): unknown => ({ 'Fn::Join': ['-', { 'Fn::Split': ['/', value] }] });
  for (const logicalId of resourcesOf(template, 'AWS::Events::EventBus')) {
    const properties = template.Resources[logicalId]!.Properties ?? {};
    for (const property of ['Name', 'EventSourceName']) {
      if (properties[property] === undefined) continue;
      properties[property] = dashed(properties[property]);
      changed.push(`${logicalId}.${property}`);
    }
  }
  return { gap: "a rule's bus is looked up by the last segment of a name with '/': the bus named with '-' instead", changed };
}

/**
 * moto compares a Number parameter in a condition as a number, where CloudFormation compares the text: `Fn::Equals
 * [Ref Days, '0']` never holds in moto. The condition reads the parameter through Fn::Join, which gives its text.
 */
function numberParametersAsTextInConditions(template: Template): MotoRewrite {
  const numbers = new Set(Object.entries(template.Parameters ?? {}).filter(([, parameter]) => parameter.Type === 'Number').map(([name]) => name));
  const changed: string[] = [];
  template.Conditions = mapNodes(template.Conditions ?? {}, (node) => {
    const ref = (node as { Ref?: unknown } | null)?.Ref;
    if (typeof ref !== 'string' || !numbers.has(ref)) return undefined;
    changed.push(`Ref ${ref}`);
    return { 'Fn::Join': ['', [{ Ref: ref }]] };
  }) as Template['Conditions'];
  return { gap: 'a Number parameter in a condition is compared as a number, not as its text', changed };
}

/** moto's archive reads its EventPattern only as JSON text (CloudFormation also takes the object): written as text. */
function archivePatternAsText(template: Template): MotoRewrite {
  const changed: string[] = [];
  for (const logicalId of resourcesOf(template, 'AWS::Events::Archive')) {
    const properties = template.Resources[logicalId]!.Properties ?? {};
    if (properties.EventPattern === undefined || typeof properties.EventPattern === 'string') continue;
    properties.EventPattern = JSON.stringify(properties.EventPattern);
    changed.push(`${logicalId}.EventPattern`);
  }
  return { gap: "an archive's EventPattern object is refused (moto parses only JSON text): written as text", changed };
}

/** The translated template as moto can create it, and the rewrites that made it so. */
export function forMoto(translated: Template, definitions: ReadonlyMap<string, string>): { template: Template; rewrites: MotoRewrite[] } {
  const template = JSON.parse(JSON.stringify(translated)) as Template;
  const rewrites = [refToBusAsName(template), busNamesWithoutSlashes(template), numberParametersAsTextInConditions(template), archivePatternAsText(template), inlineDefinition(template, definitions), alarmArnsAsText(template)];
  return { template, rewrites };
}

/**
 * moto keeps an inline policy that CloudFormation made as Python's text of it (`{'Version': '2012-10-17', ...}`),
 * not JSON: read it as JSON after turning its quoting and constants into JSON's. Any other text is read as JSON.
 */
export function parseMotoPolicyDocument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const json = text.replace(/'((?:[^'\\]|\\.)*)'|\b(True|False|None)\b/g, (_whole, quoted: string | undefined, constant: string | undefined) => {
      if (quoted !== undefined) return JSON.stringify(quoted.replace(/\\'/g, "'").replace(/\\\\/g, '\\'));
      return constant === 'True' ? 'true' : constant === 'False' ? 'false' : 'null';
    });
    return JSON.parse(json);
  }
}

/**
 * moto lists an event bus or an archive it made from a template without a physical id: each is found by the name
 * the template gave it (a bus as moto names it).
 */
export function namedPhysicalId(type: string, physicalId: string, properties: Record<string, unknown>): string {
  if (physicalId !== '') return physicalId;
  if (type === 'AWS::Events::EventBus' && typeof properties.Name === 'string') return motoBusName(properties.Name);
  if (type === 'AWS::Events::Archive' && typeof properties.ArchiveName === 'string') return properties.ArchiveName;
  return physicalId;
}

/** moto leaves `Ref AWS::NoValue` in a list as null, where CloudFormation removes the item: read without them. */
export function withoutMotoNoValues<T>(items: readonly (T | null)[]): T[] {
  return items.filter((item): item is T => item !== null);
}

/** What moto's update of a stack leaves as it was, where CloudFormation updates it in place. */
export interface MotoUpdateGap {
  type: string;
  /** The compared fields it keeps from changing; undefined: the whole resource (moto drops it from the stack). */
  fields?: RegExp;
  gap: string;
}

export const MOTO_UPDATE_GAPS: readonly MotoUpdateGap[] = [
  { type: 'AWS::SQS::Queue', fields: /^(MessageRetentionPeriod|RedrivePolicy|SqsManagedSseEnabled)$/, gap: "moto's update applies only a queue's VisibilityTimeout and ReceiveMessageWaitTimeSeconds" },
  { type: 'AWS::IAM::Role', fields: /^Policies/, gap: "moto's update leaves a role's inline policies as they were" },
  { type: 'AWS::Logs::LogGroup', gap: 'moto has no update for a log group: it drops it from the stack' },
];

/** What moto's delete of a stack leaves behind, where CloudFormation deletes it (a resource without Retain). */
export const MOTO_DELETE_GAPS: Readonly<Record<string, string>> = {
  'AWS::Logs::LogGroup': "moto's update dropped the log group from the stack (above): its delete no longer knows it",
};
