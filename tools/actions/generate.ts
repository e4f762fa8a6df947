/**
 * Writes what an actions file compiles to into the files SAM deploys (template.yaml's rule pattern, the
 * workflow's routing states), and says when they are behind the file: `sam build` reads those files, not
 * actions.yaml, so `npm run actions` runs before it (and `npm run validate` and `npm start` refuse stale ones).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { definitionFile, parseTemplate, PROJECT_ROOT, type Template } from '../../template/index.js';
import { eventPatternOf, withRouting, type RoutedDefinition } from './compile.js';
import type { ActionsConfig } from './config.js';
import { formatJson } from './format.js';

/** The rule whose pattern follows the file. */
export const RULE_LOGICAL_ID = 'GenesysConversationEventsRule';
/** The state machine whose routing follows the file. */
export const WORKFLOW_LOGICAL_ID = 'ProcessEventStateMachine';

/** The rule's `detail-type:` line and its list items, indented under EventPattern. */
const DETAIL_TYPE_BLOCK = /^( +)detail-type:.*\n(?:\1 {2}- .*\n)*/m;

/** `text` (template.yaml) with the rule's detail-type list rewritten from the file, every other byte kept. */
export function templateTextFor(text: string, config: ActionsConfig): string {
  const ruleAt = text.indexOf(`\n  ${RULE_LOGICAL_ID}:\n`);
  if (ruleAt < 0) throw new Error(`template.yaml has no ${RULE_LOGICAL_ID} for the actions' event pattern`);
  const rest = text.slice(ruleAt);
  const match = DETAIL_TYPE_BLOCK.exec(rest);
  if (match === null) throw new Error(`template.yaml: ${RULE_LOGICAL_ID} has no EventPattern detail-type list to write the actions' kinds into`);
  const indent = match[1] ?? '';
  const patterns = eventPatternOf(config)['detail-type'] as { wildcard: string }[];
  const block = `${indent}detail-type:\n${patterns.map(({ wildcard }) => `${indent}  - wildcard: ${wildcard}\n`).join('')}`;
  return text.slice(0, ruleAt) + rest.slice(0, match.index) + block + rest.slice(match.index + match[0].length);
}

/** The workflow definition's text with its routing states compiled from the file. */
export function definitionTextFor(text: string, config: ActionsConfig): string {
  return formatJson(withRouting(JSON.parse(text) as RoutedDefinition, config));
}

/** A file SAM deploys and what the actions file makes it. */
export interface GeneratedFile {
  path: string;
  current: string;
  wanted: string;
}

/** template.yaml and the workflow's ASL, as they are and as `config` makes them. */
export function generatedFiles(config: ActionsConfig, root: string = PROJECT_ROOT): GeneratedFile[] {
  const templatePath = resolve(root, 'template.yaml');
  const templateText = readFileSync(templatePath, 'utf8');
  const template: Template = parseTemplate(templateText);
  const definitionPath = definitionFile(template, WORKFLOW_LOGICAL_ID, root);
  if (definitionPath === undefined) throw new Error(`template.yaml: ${WORKFLOW_LOGICAL_ID} has no DefinitionUri file for the actions' routing`);
  const definitionText = readFileSync(definitionPath, 'utf8');
  return [
    { path: templatePath, current: templateText, wanted: templateTextFor(templateText, config) },
    { path: definitionPath, current: definitionText, wanted: definitionTextFor(definitionText, config) },
  ];
}

/** What every command says of generated files behind the actions file (`stale` from `staleFiles`). */
export function staleMessage(stale: readonly string[], file: string): string {
  return `${stale.join(' and ')} ${stale.length === 1 ? 'is' : 'are'} behind ${file}: run npm run actions`;
}

/** The generated files that are behind `config`, relative to `root`. */
export function staleFiles(config: ActionsConfig, root: string = PROJECT_ROOT): string[] {
  return generatedFiles(config, root)
    .filter((file) => file.current !== file.wanted)
    .map((file) => relative(root, file.path));
}

/** Writes the generated files that are behind `config`; answers which it wrote. */
export function writeGeneratedFiles(config: ActionsConfig, root: string = PROJECT_ROOT): string[] {
  const stale = generatedFiles(config, root).filter((file) => file.current !== file.wanted);
  for (const file of stale) writeFileSync(file.path, file.wanted);
  return stale.map((file) => relative(root, file.path));
}
