/**
 * What an actions file means, checked before anything deploys it: kinds and fields Genesys sends, templates
 * that can render a string, keys within Genesys' limits, no loop on the pipeline's own writes, and no outcome
 * that depends on the order events arrive in (order.ts). Every problem names the file, the action and the field.
 */
import { DATA_TABLE_KEY_MAX_LENGTH } from '../../functions/shared/actions/render.js';
import { placeholdersOf, type TemplatePart } from '../../functions/shared/actions/template.js';
import { CONVERSATION_EVENT_KINDS } from '../../functions/shared/events.js';
import { ActionsError, type Action, type ActionsConfig } from './config.js';
import { fieldType } from './fields.js';
import { clashes, placesOf, repeatedPlaces } from './order.js';


/** Every template of a write, with where the file says it. */
function templatesOf(action: Action): [TemplatePart[], string][] {
  return action.parsed.writes.flatMap((write, index): [TemplatePart[], string][] => {
    const at = `writes[${index}]`;
    if (write.type === 'conversationTag') return [[write.externalTag, `${at}.conversationTag`]];
    if (write.type === 'dataTableRow') return [[write.key, `${at}.dataTableRow.key`], ...write.values.map(([column, value]): [TemplatePart[], string] => [value, `${at}.dataTableRow.values.${column}`])];
    return write.values.flatMap(([key, value]): [TemplatePart[], string][] => [
      [key, `${at}.participantAttributes.values (a key)`],
      [value, `${at}.participantAttributes.values (a value)`],
    ]);
  });
}

function checkKinds(action: Action): string[] {
  return action.on.filter((kind) => !(CONVERSATION_EVENT_KINDS as readonly string[]).includes(kind)).map((kind) => `on: "${kind}" is not a conversation event kind (${CONVERSATION_EVENT_KINDS.join(', ')})`);
}

function checkTests(action: Action): string[] {
  return Object.entries(action.when).flatMap(([field, test]) =>
    action.on.flatMap((kind) => {
      const type = fieldType(kind, field);
      if (type === undefined) return [`when.${field}: ${kind} events carry no such field`];
      if (!('present' in test) && type !== 'string') return [`when.${field}: is a ${type} in ${kind} events; only present can test it`];
      return [];
    }),
  );
}

function checkTemplates(action: Action): string[] {
  // SAM replaces ${Name} in the definition with the state machine's DefinitionSubstitutions: such text would not reach the processor as written.
  const templates = templatesOf(action);
  const substituted = templates
    .filter(([parts]) => parts.some((part) => typeof part === 'string' && part.includes('${')))
    .map(([, where]) => `${where}: contains "\${", which SAM would replace with a definition substitution`);
  return substituted.concat(templates.flatMap(([parts, where]) =>
    placeholdersOf(parts).flatMap((placeholder) =>
      action.on.flatMap((kind) => {
        if (placeholder.path.startsWith('step.')) return action.step === undefined ? [`${where}: {{${placeholder.path}}}: the action has no step to read`] : [];
        const type = fieldType(kind, placeholder.path);
        if (type === undefined) return [`${where}: {{${placeholder.path}}}: ${kind} events carry no such field`];
        const iso = placeholder.filters.some((filter) => filter.name === 'iso');
        if (type === 'number' && !iso) return [`${where}: {{${placeholder.path}}} is a number in ${kind} events: format it, e.g. {{${placeholder.path} | iso}}`];
        if (type !== 'string' && type !== 'number') return [`${where}: {{${placeholder.path}}} is a ${type} in ${kind} events, not a string`];
        return [];
      }),
    ),
  ));
}

function checkLimits(action: Action): string[] {
  return action.parsed.writes.flatMap((write, index) => {
    if (write.type !== 'dataTableRow') return [];
    const literal = write.key.filter((part): part is string => typeof part === 'string').join('');
    return literal.length > DATA_TABLE_KEY_MAX_LENGTH ? [`writes[${index}].dataTableRow.key: longer than Genesys' ${DATA_TABLE_KEY_MAX_LENGTH} characters`] : [];
  });
}

function checkTargets(action: Action): string[] {
  return action.parsed.writes.flatMap((write, index) =>
    write.type === 'participantAttributes' && write.participant === 'agent'
      ? action.on.filter((kind) => fieldType(kind, 'eventBody.userId') === undefined).map((kind) => `writes[${index}].participantAttributes.participant: agent needs eventBody.userId, which ${kind} events do not carry`)
      : [],
  );
}

function checkLoop(action: Action): string[] {
  if (!action.on.includes('attributes')) return [];
  return action.parsed.writes.flatMap((write, index) =>
    write.type === 'participantAttributes'
      ? [`writes[${index}].participantAttributes: every attributes write raises an attributes event, which this action would act on again: a loop`]
      : [],
  );
}

function checkAction(action: Action, file: string, index: number): string[] {
  const problems = [...checkKinds(action), ...checkTests(action), ...checkTemplates(action), ...checkLimits(action), ...checkTargets(action), ...checkLoop(action)];
  return problems.map((problem) => `${file}: actions[${index}] "${action.name}".${problem}`);
}

function checkNames(config: ActionsConfig): string[] {
  const seen = new Set<string>();
  return config.actions.flatMap((action, index) => {
    if (!seen.has(action.name)) return (seen.add(action.name), []);
    return [`${config.file}: actions[${index}] "${action.name}".name: another action has this name`];
  });
}

function checkOrder(config: ActionsConfig): string[] {
  const places = config.actions.flatMap((action, index) =>
    action.on.flatMap((kind) => action.parsed.writes.flatMap((write, writeIndex) => placesOf(write, action.name, kind, `actions[${index}] "${action.name}".writes[${writeIndex}]`))),
  );
  const repeats = config.actions.flatMap((action, index) =>
    action.on.flatMap((kind) => action.parsed.writes.flatMap((write, writeIndex) => repeatedPlaces(write, kind, `actions[${index}] "${action.name}".writes[${writeIndex}]`))),
  );
  const orderProblems = (problem: string): string => `${config.file}: ${problem} (docs/actions.md, "The order rule")`;
  return [...repeats.map(orderProblems), ...clashes(places).map(
    ([first, second]) =>
      `${config.file}: ${second.label}: ${second.kind} events could write the same ${first.space.startsWith('row') ? 'data table row' : first.space} as ${first.kind} events (${first.label}); ` +
      'Genesys does not guarantee the order of events, so the outcome would depend on which arrives last: give each kind its own key (e.g. with {{kind}}) (docs/actions.md, "The order rule")',
  )];
}

/** Every problem of `config`, each a line naming the file, the action and the field. */
export function actionProblems(config: ActionsConfig): string[] {
  const problems = [...checkNames(config), ...config.actions.flatMap((action, index) => checkAction(action, config.file, index)), ...checkOrder(config)];
  if (config.actions.length === 0) problems.unshift(`${config.file}: actions: lists no action; the pipeline would do nothing`);
  return problems;
}

/**
 * `config`, when it has no problem.
 * @throws ActionsError listing every problem.
 */
export function checkedActions(config: ActionsConfig): ActionsConfig {
  const problems = actionProblems(config);
  if (problems.length > 0) throw new ActionsError(problems.join('\n'));
  return config;
}
