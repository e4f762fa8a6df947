/**
 * `npm run validate`: cfn-lint on template.yaml (zero errors, zero warnings), then asl-validator on
 * every statemachine/*.asl.json with its DefinitionSubstitutions applied (placeholder ARNs), and a
 * check that each definition uses exactly the substitutions its state machine defines, then the
 * configuration invariants of docs/design.md (tools/invariants/). First of all, actions.yaml: valid (every
 * problem named by file, action and field) and compiled into the template and the ASL (`npm run actions`).
 * Exits non-zero on any failure.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import { ErrorName, WORKFLOW_RETRIED_ERRORS } from '../functions/shared/errors.js';
import { ActionsError, kindsOf, readActions, staleFiles, staleMessage } from './actions/index.js';
import { isMainModule, runMain } from './cli.js';
import { checkInvariants } from './invariants/index.js';
import {
  PROJECT_ROOT,
  TEMPLATE_PATH,
  applySubstitutions,
  definitionFile,
  definitionSubstitutions,
  loadDefinition,
  loadTemplate,
  resourcesOfType,
  substitutionNames,
  type Template,
} from '../template/index.js';

/** asl-validator's API (CommonJS, no type declarations). */
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

/** The outcome of one check. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** Runs cfn-lint on the template; any error or warning fails (cfn-lint's exit code is non-zero for both). */
export function lintTemplate(templatePath: string = TEMPLATE_PATH): CheckResult {
  const run = spawnSync('cfn-lint', [relative(PROJECT_ROOT, templatePath)], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (run.error !== undefined) {
    return { name: 'cfn-lint', ok: false, detail: `cannot run cfn-lint (pip install cfn-lint): ${run.error.message}` };
  }
  const output = `${run.stdout}${run.stderr}`.trim();
  return { name: 'cfn-lint template.yaml', ok: run.status === 0, detail: output || 'no errors, no warnings' };
}

/** Which state machine (logical id) each definition file belongs to. */
function stateMachinesByDefinition(template: Template): Map<string, string> {
  const owners = new Map<string, string>();
  for (const logicalId of resourcesOfType(template, 'AWS::Serverless::StateMachine')) {
    const file = definitionFile(template, logicalId);
    if (file !== undefined) owners.set(file, logicalId);
  }
  return owners;
}

/** Validates every definition in `statemachine/` with asl-validator, after its substitutions. */
export function validateDefinitions(template: Template = loadTemplate()): CheckResult[] {
  const owners = stateMachinesByDefinition(template);
  const directory = resolve(PROJECT_ROOT, 'statemachine');
  const files = readdirSync(directory).filter((file) => file.endsWith('.asl.json'));
  return files.map((file): CheckResult => {
    const path = resolve(directory, file);
    const name = `asl-validator ${relative(PROJECT_ROOT, path)}`;
    const owner = owners.get(path);
    if (owner === undefined) return { name, ok: false, detail: 'no AWS::Serverless::StateMachine uses this definition' };
    const text = readFileSync(path, 'utf8');
    const substitutions = definitionSubstitutions(template, owner);
    const used = substitutionNames(text).sort();
    const defined = Object.keys(substitutions).sort();
    if (used.join() !== defined.join()) {
      return { name, ok: false, detail: `${owner} defines substitutions [${defined.join(', ')}] but the definition uses [${used.join(', ')}]` };
    }
    let definition: unknown;
    try {
      definition = JSON.parse(applySubstitutions(text, substitutions));
    } catch (error) {
      return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
    const { isValid, errorsText } = aslValidator(definition, { checkPaths: true, checkArn: true });
    return { name, ok: isValid, detail: isValid ? `valid (${owner})` : errorsText('\n') };
  });
}

/** The configuration invariants, as one result. */
export function validateInvariants(template: Template = loadTemplate()): CheckResult {
  const violations = checkInvariants({
    template,
    asl: loadDefinition(template),
    errorNames: Object.values(ErrorName),
    retriedErrors: WORKFLOW_RETRIED_ERRORS,
  });
  return { name: 'configuration invariants', ok: violations.length === 0, detail: violations.length ? violations.join('\n') : 'all hold' };
}

/** actions.yaml: valid, and template.yaml and the ASL up to date with it (what `sam build` reads). */
export function validateActions(): CheckResult {
  const name = 'actions.yaml';
  try {
    const config = readActions();
    const stale = staleFiles(config);
    if (stale.length > 0) return { name, ok: false, detail: staleMessage(stale, config.file) };
    return { name, ok: true, detail: `${config.actions.length} actions on ${kindsOf(config).join(', ')}; template.yaml and the ASL up to date` };
  } catch (error) {
    if (error instanceof ActionsError) return { name, ok: false, detail: error.message };
    throw error;
  }
}

async function main(): Promise<void> {
  const results = [validateActions(), lintTemplate(), ...validateDefinitions(), validateInvariants()];
  for (const result of results) {
    console.log(`${result.ok ? '✓' : '✕'} ${result.name}: ${result.detail}`);
  }
  if (results.some((result) => !result.ok)) process.exitCode = 1;
}

if (isMainModule(import.meta.url)) await runMain(main, { command: 'npm run validate' });
