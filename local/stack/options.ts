/** The options of `startLocalStack`, and the one place their defaults are chosen and their values checked. */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { PROJECT_ROOT, loadTemplate, type Template } from '../../template/index.js';
import { ActionsError, definitionTextFor, eventPatternOf, RULE_LOGICAL_ID, staleFiles, staleMessage, WORKFLOW_LOGICAL_ID, defaultActions, type ActionsConfig } from '../../tools/actions/index.js';
import type { GenesysSimulatorOptions } from '../genesys-sim/server.js';
import type { FaultProxy } from './fault-proxy.js';
import type { DefinitionSourceRewrite, DefinitionTransform } from './stepfunctions/definition.js';

/** The partner event source name locally, unless the parameters name one. */
export const LOCAL_EVENT_SOURCE_NAME = 'aws.partner/genesys.com/cloud/local-org/local';

/** Options of `startLocalStack`. */
export interface LocalStackOptions {
  /**
   * Divides the waits the template and ASL set (retry intervals, the batching window) by this factor,
   * and shrinks their timeouts (function, state machine, task) as far as local/shared/time-scale.ts allows:
   * never below the real work they bound. Default 1.
   */
  timeScale?: number;
  /** Template parameter values over the defaults (MaximumConcurrency, BatchSize, MaxReceiveCount, ...). */
  parameters?: Record<string, string | number>;
  /** Passed to the Genesys simulator (rates, faults, latency, clients, its own timeScale, ...). */
  genesys?: GenesysSimulatorOptions;
  /** The plain bus name that stands in for the partner bus (moto cannot serve `aws.partner/...`). */
  busName?: string;
  /** `bundle` (default): the esbuild bundles of tools/build.ts, as SAM deploys; `source`: the TypeScript through tsx. */
  handlers?: 'bundle' | 'source';
  /** Where bundles are written (default .local/build). */
  buildDir?: string;
  /** Function output: a per-run file under `logDir` (default), or this process's stdout. */
  logs?: 'file' | 'inherit';
  /** Directory of the per-run log files (default .local/logs). */
  logDir?: string;
  /** Use a running moto (e.g. the test suite's) instead of starting one. */
  motoEndpoint?: string;
  /**
   * A fault proxy (local/stack/fault-proxy.ts) between the functions and every AWS service they call: their
   * AWS_ENDPOINT_URL, their Step Functions endpoint (routed on to the stack's own) and their queue URLs
   * name it. Provisioning and the stack's own clients still talk to moto directly.
   */
  functionsProxy?: Pick<FaultProxy, 'endpoint' | 'route'>;
  /** Prefix of physical names; distinct per run when sharing a moto. */
  stackName?: string;
  /**
   * Rewrites a state machine's definition (as SAM would deploy it, before time scaling): the benchmarks
   * run a baseline variant of the ASL this way. The deployed ASL file is never touched.
   */
  transformDefinition?: DefinitionTransform;
  /** Per function (logical id): most execution environments at once (default: no cap beyond the event source's). */
  maxConcurrency?: Record<string, number>;
  /** Per function (logical id): extra environment variables over the template's. */
  functionEnvironment?: Record<string, Record<string, string>>;
  /** Long-poll wait of the event source's receives (default 20, as Lambda's pollers). */
  pollWaitTimeSeconds?: number;
  /** Stop the stack on SIGINT/SIGTERM, then re-raise the signal (default true). */
  handleSignals?: boolean;
  /** The template (default template.yaml). */
  template?: Template;
  /**
   * Another actions file, compiled into the rule's pattern and the workflow's routing of this stack only: the
   * project's files are not touched. Without it the stack runs template.yaml and the ASL as they are, which
   * must be up to date with actions.yaml (`npm run actions`).
   */
  actions?: ActionsConfig;
}

/** The options `stackSettings` gives a default. */
type Defaulted = 'template' | 'timeScale' | 'parameters' | 'handlers' | 'logs' | 'logDir' | 'stackName' | 'busName' | 'handleSignals';

/** The options with every default filled in. */
export type StackSettings = Required<Pick<LocalStackOptions, Defaulted>> &
  Omit<LocalStackOptions, Defaulted> & {
    /** `actions` compiled into the workflow's definition file, before its substitutions (as `npm run actions` would write it). */
    definitionSource?: DefinitionSourceRewrite;
  };

/**
 * Fills in the defaults.
 * @throws RangeError when `timeScale` is not a positive number: every duration of the stack is divided by it.
 */
export function stackSettings(options: LocalStackOptions): StackSettings {
  const timeScale = options.timeScale ?? 1;
  if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
  // A shared moto gets distinct names per run, so two stacks (or test files) never meet.
  const stackName = options.stackName ?? (options.motoEndpoint === undefined ? 'local' : `local-${randomBytes(3).toString('hex')}`);
  const { template, definitionSource } = withActions(options);
  return {
    ...options,
    template,
    ...(definitionSource === undefined ? {} : { definitionSource }),
    timeScale,
    parameters: { GenesysEventSourceName: LOCAL_EVENT_SOURCE_NAME, ...options.parameters },
    handlers: options.handlers ?? 'bundle',
    logs: options.logs ?? 'file',
    logDir: options.logDir ?? resolve(PROJECT_ROOT, '.local/logs'),
    stackName,
    busName: options.busName ?? `genesys-${stackName}`,
    handleSignals: options.handleSignals ?? true,
  };
}

/**
 * The template and definition transform that run `options.actions`, or the project's as they are.
 * @throws ActionsError when the project's template.yaml or ASL are behind actions.yaml: what would run is not what the file says.
 */
function withActions(options: LocalStackOptions): { template: Template; definitionSource?: DefinitionSourceRewrite } {
  const { actions } = options;
  if (actions === undefined) {
    if (options.template === undefined) {
      const stale = staleFiles(defaultActions());
      if (stale.length > 0) throw new ActionsError(staleMessage(stale, defaultActions().file));
    }
    return { template: options.template ?? loadTemplate() };
  }
  const template = structuredClone(options.template ?? loadTemplate());
  const rule = template.Resources[RULE_LOGICAL_ID];
  if (rule?.Properties === undefined) throw new Error(`template.yaml has no ${RULE_LOGICAL_ID} for the actions' event pattern`);
  rule.Properties.EventPattern = eventPatternOf(actions);
  return { template, definitionSource: (logicalId, text) => (logicalId === WORKFLOW_LOGICAL_ID ? definitionTextFor(text, actions) : text) };
}
