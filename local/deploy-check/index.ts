/**
 * The deploy check: the bundles `npm run build` made, packaged as `sam package` would, translated by AWS's SAM
 * translator, created in moto's CloudFormation with the parameters `sam deploy --guided` asks for, read back,
 * updated with changed parameters and deleted. It returns one row per resource saying how it was checked.
 */
import { isDeepStrictEqual } from 'node:util';
import { startMoto, type MotoServer } from '../stack/moto.js';
import { resolveMotoPython } from '../stack/python-env.js';
import { loadTemplate, parameterValues, resolveValue, type Template } from '../../template/index.js';
import { Findings } from './compare.js';
import { MOTO_DELETE_GAPS, MOTO_UPDATE_GAPS, forMoto, motoBusName, type MotoRewrite } from './moto-gaps.js';
import { MotoStack, type StackState } from './moto-stack.js';
import { packageTemplate, type PackagedTemplate } from './package.js';
import { checkParameterValues } from './parameters.js';
import { AwsReader, READ_BACK_TYPES, exists, readBack, type CompareContext, type StackReadBack } from './read-back.js';
import { STATIC_CHECKS } from './static-checks.js';
import { GUIDED_PARAMETERS, NOT_CHECKABLE, OTHER_BRANCH_PARAMETERS, OTHER_BRANCH_STACK, REPLACING_PROPERTIES, UPDATED_PARAMETERS } from './scenarios.js';
import { translateTemplate } from './translate.js';

/** How a resource was checked. */
export type CheckedHow = 'deployed and read back' | 'checked in the translated template' | 'not checkable here';

/** One row of the deploy check's table. */
export interface CheckRow {
  logicalId: string;
  type: string;
  how: CheckedHow[];
  /** Fields compared, in all phases. */
  compared: number;
  mismatches: string[];
  /** Fields not compared, each with the moto gap that keeps it from being compared. */
  notes: string[];
  /** What the static check covers, when there is one. */
  staticCheck?: string;
}

/** What the whole check found. */
export interface DeployCheckResult {
  rows: CheckRow[];
  /** Checks of the stack as a whole: outputs, update in place, what survives a delete. */
  stack: { name: string; findings: Findings }[];
  rewrites: MotoRewrite[];
  /** What only a real `sam deploy` can show. */
  notCheckable: readonly string[];
  ok: boolean;
}

/** The stack name and the artifact bucket samconfig.toml and `--resolve-s3` give. */
const STACK_NAME = 'genesys-events-pipeline';
const ARTIFACT_BUCKET = 'aws-sam-cli-managed-default-samclisourcebucket-deploycheck';

/** The resources events pass through or wait in: none may be replaced by an update. */
function eventHolders(template: Template): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.DeletionPolicy === 'Retain' || ['AWS::Lambda::EventSourceMapping', 'AWS::Events::EventBus', 'AWS::Events::Rule', 'AWS::Events::Archive'].includes(resource.Type))
    .map(([logicalId]) => logicalId);
}

interface Phase {
  parameters: Record<string, string>;
  translated: Template;
  forMoto: Template;
  rewrites: MotoRewrite[];
}

function phase(packaged: PackagedTemplate, template: Template, overrides: Record<string, string>, region: string, python: string): Phase {
  const parameters = parameterValues(template, overrides);
  checkParameterValues(template, parameters);
  const translated = translateTemplate(packaged.template, parameters, region, python);
  const definitions = new Map(packaged.artifacts.map((artifact) => [artifact.key, artifact.bytes.toString('utf8')]));
  const moto = forMoto(translated, definitions);
  return { parameters, translated, forMoto: moto.template, rewrites: moto.rewrites };
}

/** The rows of one phase's read back and static checks, merged into `rows`. */
function record(rows: Map<string, CheckRow>, phaseName: string, readBackResult: StackReadBack, translated: Template, state: StackState): void {
  const row = (logicalId: string, type: string): CheckRow => {
    const existing = rows.get(logicalId) ?? { logicalId, type, how: [], compared: 0, mismatches: [], notes: [] };
    rows.set(logicalId, existing);
    return existing;
  };
  const add = (target: CheckRow, how: CheckedHow): void => {
    if (!target.how.includes(how)) target.how.push(how);
  };
  for (const { logicalId, type, findings } of readBackResult.resources) {
    const target = row(logicalId, type);
    if (phaseName === 'update') {
      for (const gap of MOTO_UPDATE_GAPS.filter((candidate) => candidate.type === type && candidate.fields !== undefined)) {
        findings.excuse((field) => gap.fields!.test(field), `${gap.gap}: the update's value is checked in the translated template`);
      }
    }
    add(target, 'deployed and read back');
    target.compared += findings.compared.length;
    target.mismatches.push(...findings.mismatches.map((mismatch) => `${phaseName}: ${mismatch}`));
    target.notes.push(...findings.skipped.map((skipped) => `${phaseName}: not compared: ${skipped}`));
  }
  for (const [logicalId, resource] of Object.entries(translated.Resources)) {
    if (!readBackResult.resolver.isCreated(logicalId)) continue;
    const target = row(logicalId, resource.Type);
    const staticCheck = STATIC_CHECKS[resource.Type];
    if (staticCheck !== undefined) {
      const findings = new Findings();
      staticCheck.check(findings, resource, translated);
      add(target, 'checked in the translated template');
      target.compared += findings.compared.length;
      target.mismatches.push(...findings.mismatches.map((mismatch) => `${phaseName}: ${mismatch}`));
      target.staticCheck = staticCheck.what;
    }
    const dropped = phaseName === 'update' ? MOTO_UPDATE_GAPS.find((gap) => gap.type === resource.Type && gap.fields === undefined) : undefined;
    if (READ_BACK_TYPES.has(resource.Type) && !state.resources.has(logicalId)) {
      if (dropped === undefined) target.mismatches.push(`${phaseName}: moto did not create it`);
      else target.notes.push(`${phaseName}: not read back: ${dropped.gap}`);
    }
    if (!READ_BACK_TYPES.has(resource.Type) && staticCheck === undefined) {
      // Never a silent skip: a type nobody checks is named, and fails the check until it has a check.
      add(target, 'not checkable here');
      target.mismatches.push(`${phaseName}: no read back and no static check for ${resource.Type}: add one`);
    }
  }
}

/** Resolved properties of `logicalId` with every resource reference left as its logical id: what an update changes. */
function propertiesWithoutPhysicalIds(phaseOf: Phase, logicalId: string): Record<string, unknown> {
  return resolveValue(phaseOf.translated, phaseOf.translated.Resources[logicalId]?.Properties ?? {}, {
    parameters: phaseOf.parameters,
    pseudoParameters: { 'AWS::StackName': STACK_NAME },
    ref: (name) => `{Ref ${name}}`,
    getAtt: (name, attribute) => `{${name}.${attribute}}`,
  }) as Record<string, unknown>;
}

/** Every resource events pass through or wait in kept its physical id, and no property whose change replaces it changed. */
function updatedInPlace(created: Phase, updated: Phase, first: StackState, second: StackState): Findings {
  const inPlace = new Findings();
  for (const logicalId of eventHolders(created.translated)) {
    const before = first.resources.get(logicalId)?.physicalId;
    if (before === undefined) continue;
    inPlace.field(`${logicalId} physical id`, before, second.resources.get(logicalId)?.physicalId);
    const type = created.translated.Resources[logicalId]?.Type ?? '';
    const was = propertiesWithoutPhysicalIds(created, logicalId);
    const now = propertiesWithoutPhysicalIds(updated, logicalId);
    for (const property of REPLACING_PROPERTIES[type] ?? []) {
      const same = isDeepStrictEqual(was[property], now[property]);
      inPlace.holds(`${logicalId}.${property} unchanged (a change replaces it)`, same, `${JSON.stringify(was[property])} → ${JSON.stringify(now[property])}`);
    }
  }
  return inPlace;
}

/** After the delete: what has DeletionPolicy Retain is still there, the rest is gone, each looked for as its last read back found it. */
async function survivorsOfDelete(aws: AwsReader, translated: Template, ...readBacks: StackReadBack[]): Promise<Findings> {
  const survivors = new Findings();
  for (const [logicalId, resource] of Object.entries(translated.Resources)) {
    const located = readBacks.map((read) => read.located.get(logicalId)).find((found) => found !== undefined);
    if (located === undefined || !READ_BACK_TYPES.has(resource.Type)) continue;
    const present = await exists(aws, located);
    const retained = resource.DeletionPolicy === 'Retain';
    const left = MOTO_DELETE_GAPS[resource.Type];
    if (present && !retained && left !== undefined) {
      survivors.skipped.push(`${logicalId} is deleted (${left})`);
      continue;
    }
    survivors.holds(`${logicalId} ${retained ? 'survives (Retain)' : 'is deleted'}`, present === retained, present ? 'still there' : 'gone');
  }
  return survivors;
}

/** The stack on the other side of every condition: created on a bus that exists already, read back, deleted. */
async function checkOtherBranch(endpoint: string, aws: AwsReader, other: Phase, rows: Map<string, CheckRow>, context: CompareContext): Promise<DeployCheckResult['stack']> {
  const stack = new MotoStack(endpoint, OTHER_BRANCH_STACK);
  try {
    await stack.createEventBus(other.parameters.ExistingEventBusName ?? '');
    const state = await stack.create(other.forMoto, other.parameters);
    const read = await readBack(aws, state, other.translated, other.parameters, OTHER_BRANCH_STACK, context);
    record(rows, 'existing bus', read, other.translated, state);
    await stack.delete();
    const survivors = await survivorsOfDelete(aws, other.translated, read);
    return [
      { name: 'existing bus: outputs', findings: read.outputs },
      { name: 'existing bus: delete leaves what must survive', findings: survivors },
    ];
  } finally {
    stack.destroy();
  }
}

/** Options of {@link runDeployCheck}. */
export interface DeployCheckOptions {
  /** A moto server to use; one is started (and stopped) otherwise. */
  endpoint?: string;
  template?: Template;
  /** Where `npm run build` left the bundles (.local/build by default). */
  buildDir?: string;
  log?: (line: string) => void;
  /** Runs between the create and its read back: a test changes a resource there to prove the check sees it. */
  afterCreate?: (endpoint: string, state: StackState) => Promise<void>;
}

/** Runs the whole check on one moto server it starts (or `endpoint`). */
export async function runDeployCheck(options: DeployCheckOptions = {}): Promise<DeployCheckResult> {
  const log = options.log ?? (() => undefined);
  const template = options.template ?? loadTemplate();
  const { python } = await resolveMotoPython();
  const region = 'us-east-1';
  const packaged = packageTemplate(template, ARTIFACT_BUCKET, options.buildDir);
  log(`packaged ${packaged.artifacts.length} artifacts (${packaged.artifacts.map((artifact) => `${artifact.logicalId} ${(artifact.bytes.length / 1024).toFixed(1)} KB`).join(', ')})`);
  const created = phase(packaged, template, { ...GUIDED_PARAMETERS }, region, python);
  const updated = phase(packaged, template, { ...GUIDED_PARAMETERS, ...UPDATED_PARAMETERS }, region, python);
  const otherBranch = phase(packaged, template, { ...GUIDED_PARAMETERS, ...OTHER_BRANCH_PARAMETERS }, region, python);

  let moto: MotoServer | undefined;
  const endpoint = options.endpoint ?? (moto = await startMoto()).endpoint;
  const stack = new MotoStack(endpoint, STACK_NAME);
  const aws = new AwsReader(endpoint);
  const rows = new Map<string, CheckRow>();
  const stackChecks: DeployCheckResult['stack'] = [];
  const context = { artifacts: new Map(packaged.artifacts.map((artifact) => [artifact.key, artifact])), definitions: new Map(packaged.artifacts.map((artifact) => [artifact.key, artifact.bytes.toString('utf8')])) };
  try {
    await stack.upload(ARTIFACT_BUCKET, packaged.artifacts);
    await stack.createPartnerEventSource(motoBusName(created.parameters.GenesysEventSourceName ?? ''));

    const first = await stack.create(created.forMoto, created.parameters);
    log(`create: ${first.status}, ${first.resources.size} resources`);
    await options.afterCreate?.(endpoint, first);
    const firstRead = await readBack(aws, first, created.translated, created.parameters, STACK_NAME, context);
    record(rows, 'create', firstRead, created.translated, first);
    stackChecks.push({ name: 'create: outputs', findings: firstRead.outputs });

    const second = await stack.update(updated.forMoto, updated.parameters);
    log(`update: ${second.status}, ${second.resources.size} resources`);
    const secondRead = await readBack(aws, second, updated.translated, updated.parameters, STACK_NAME, context);
    record(rows, 'update', secondRead, updated.translated, second);
    stackChecks.push({ name: 'update: outputs', findings: secondRead.outputs });

    const inPlace = updatedInPlace(created, updated, first, second);
    stackChecks.push({ name: 'update: nothing that holds events replaced', findings: inPlace });

    await stack.delete();
    log('delete: DELETE_COMPLETE');
    const survivors = await survivorsOfDelete(aws, updated.translated, secondRead, firstRead);
    stackChecks.push({ name: 'delete: what must survive, survives', findings: survivors });

    stackChecks.push(...(await checkOtherBranch(endpoint, aws, otherBranch, rows, context)));
    log('create and delete on an existing bus: done');
  } finally {
    aws.destroy();
    stack.destroy();
    await moto?.stop();
  }

  const rewrites = created.rewrites.map((rewrite, index) => ({
    gap: rewrite.gap,
    changed: [...new Set([created, updated, otherBranch].flatMap((each) => each.rewrites[index]?.changed ?? []))],
  }));
  const result: DeployCheckResult = {
    rows: [...rows.values()].sort((a, b) => a.logicalId.localeCompare(b.logicalId)),
    stack: stackChecks,
    rewrites,
    notCheckable: NOT_CHECKABLE,
    ok: false,
  };
  result.ok = result.rows.every((row) => row.mismatches.length === 0) && result.stack.every((check) => check.findings.mismatches.length === 0);
  return result;
}
