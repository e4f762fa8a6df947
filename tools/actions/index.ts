/** actions.yaml, read and checked: the one entry point of the build, the validation and the local stack. */
import { checkedActions } from './check.js';
import { ACTIONS_PATH, loadActions, type ActionsConfig } from './config.js';

export * from './check.js';
export * from './compile.js';
export * from './config.js';
export * from './generate.js';

/**
 * The actions of `path` (default actions.yaml), checked.
 * @throws ActionsError naming the file, the action and the field of every problem.
 */
export function readActions(path: string = ACTIONS_PATH): ActionsConfig {
  return checkedActions(loadActions(path));
}
export * from './match.js';

let projectActions: ActionsConfig | undefined;

/** The project's actions.yaml, read and checked once per process. */
export function defaultActions(): ActionsConfig {
  return (projectActions ??= readActions());
}
