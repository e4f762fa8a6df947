/**
 * The template's `AWS::Serverless::Function`s as local execution-environment pools: their handler
 * module (the esbuild bundle `sam build` would deploy, or the TypeScript entry point as a fallback),
 * Timeout, MemorySize, and environment (Globals merged under the function's own Variables, resolved
 * against the provisioned resources, plus the local stack's endpoints).
 */
import { existsSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  PROJECT_ROOT,
  functionBuilds,
  functionEnvironment,
  functionProperty,
  resourcesOfType,
  type Template,
} from '../../../template/index.js';
import type { TemplateResolver } from '../../../template/resolver.js';
import { DEADLINE_RESERVE_MS } from '../../../functions/dispatcher/batch.js';
import { MIN_SCALED_TIMEOUT_SECONDS, scaledTimeoutSeconds } from '../../shared/time-scale.js';
import type { FunctionPoolOptions } from './runtime.js';

/** Where a function's code comes from. */
export interface HandlerModule {
  /** Absolute path of the module to import. */
  path: string;
  /** The export to call (`handler` for `Handler: handler.handler`). */
  export: string;
  /** `bundle` (what SAM deploys) or `source` (TypeScript through tsx). */
  kind: 'bundle' | 'source';
}

/**
 * Bundles every esbuild function with tools/build.ts into `outDir` (default .local/build) and
 * answers each function's bundle.
 */
export async function bundledHandlers(template: Template, outDir?: string): Promise<Record<string, HandlerModule>> {
  const { buildFunctions } = await import('../../../tools/build.js');
  const built = await buildFunctions({ template, ...(outDir !== undefined ? { outDir } : {}) });
  for (const root of new Set(built.map((fn) => dirname(dirname(fn.outFile))))) provideRuntimePackages(root);
  return Object.fromEntries(built.map((fn) => [fn.logicalId, { path: fn.outFile, export: fn.handlerExport, kind: 'bundle' as const }]));
}

/**
 * What the Lambda runtime provides beside a bundle: packages a build leaves External (the AWS SDK's DynamoDB client
 * of the processor) resolve from the runtime's own node_modules there. Here they resolve from the project's, linked
 * beside the bundles, wherever the build was written (a test's temporary directory too).
 */
function provideRuntimePackages(buildRoot: string): void {
  const link = join(buildRoot, 'node_modules');
  if (!existsSync(link)) symlinkSync(resolve(PROJECT_ROOT, 'node_modules'), link, 'dir');
}

/** Each esbuild function's TypeScript entry point, for running without a build. */
export function sourceHandlers(template: Template): Record<string, HandlerModule> {
  return Object.fromEntries(
    functionBuilds(template).map((fn) => [
      fn.logicalId,
      { path: resolve(PROJECT_ROOT, fn.buildProperties.EntryPoints[0] as string), export: fn.handler.slice(fn.handler.lastIndexOf('.') + 1), kind: 'source' as const },
    ]),
  );
}

/** Each function's handler module of `kind`: the bundles (built into `buildDir`) or the TypeScript sources. */
export function handlerModules(template: Template, kind: HandlerModule['kind'], buildDir?: string): Promise<Record<string, HandlerModule>> {
  return kind === 'bundle' ? bundledHandlers(template, buildDir) : Promise.resolve(sourceHandlers(template));
}

/** What `functionPoolsFromTemplate` needs besides the template. */
export interface TemplateFunctionsOptions {
  template: Template;
  /** Resolves `!Ref`/`!GetAtt` in the environment against the provisioned resources. */
  resolver: TemplateResolver;
  handlers: Record<string, HandlerModule>;
  /** Variables every environment gets on top of the template's: endpoints, credentials. */
  environment: Record<string, string>;
  /** Per function (logical id): variables over the template's and the stack's. */
  functionEnvironment?: Record<string, Record<string, string>>;
  timeScale?: number;
  /** Per function (logical id): most concurrent environments. */
  maxConcurrency?: Record<string, number>;
  log?: FunctionPoolOptions['log'];
  /** Replaces this origin at the start of any variable's value (moto's queue URLs → a proxy in front of it). */
  rewriteUrlOrigin?: { from: string; to: string };
}

/** One pool definition per `AWS::Serverless::Function`. */
export function functionPoolsFromTemplate(options: TemplateFunctionsOptions): FunctionPoolOptions[] {
  const { template, resolver } = options;
  return resourcesOfType(template, 'AWS::Serverless::Function').map((logicalId) => {
    const handler = options.handlers[logicalId];
    if (handler === undefined) throw new Error(`no handler module for ${logicalId} (is it built with esbuild?)`);
    const timeoutSeconds = Number(resolver.resolve(functionProperty(template, logicalId, 'Timeout') ?? 3));
    const memorySize = Number(resolver.resolve(functionProperty(template, logicalId, 'MemorySize') ?? 128));
    const runtime = String(resolver.resolve(functionProperty(template, logicalId, 'Runtime') ?? 'nodejs22.x'));
    const rewrite = options.rewriteUrlOrigin;
    const variables = Object.fromEntries(
      Object.entries(resolver.resolve(functionEnvironment(template, logicalId)) as Record<string, unknown>).map(([name, value]) => {
        const text = String(value);
        return [name, rewrite !== undefined && text.startsWith(`${rewrite.from}/`) ? `${rewrite.to}${text.slice(rewrite.from.length)}` : text];
      }),
    );
    // The variables Lambda itself sets in every execution environment.
    const lambdaVariables: Record<string, string> = {
      AWS_LAMBDA_FUNCTION_NAME: logicalId,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${logicalId}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${logicalId}`,
      AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
      LAMBDA_TASK_ROOT: dirname(handler.path),
      _HANDLER: String(functionProperty(template, logicalId, 'Handler') ?? 'handler.handler'),
    };
    // The dispatcher's copy of the workflow timeout shrinks as the state machine's own TimeoutSeconds does.
    if (variables.WORKFLOW_TIMEOUT_SECONDS !== undefined) {
      variables.WORKFLOW_TIMEOUT_SECONDS = String(scaledTimeoutSeconds(Number(variables.WORKFLOW_TIMEOUT_SECONDS), options.timeScale ?? 1));
    }
    return {
      functionName: logicalId,
      handlerPath: handler.path,
      handlerExport: handler.export,
      timeoutSeconds,
      // The dispatcher keeps DEADLINE_RESERVE_MS of real time back from its deadline (AWS calls do not speed up
      // with the scale): its scaled Timeout must leave the usual floor of work past that reserve, or every batch
      // is handed back the moment it starts (npm start --time-scale 20 did that).
      ...(variables.WORKFLOW_TIMEOUT_SECONDS === undefined ? {} : { minScaledTimeoutSeconds: MIN_SCALED_TIMEOUT_SECONDS + DEADLINE_RESERVE_MS / 1000 }),
      memorySize,
      environment: { ...variables, ...lambdaVariables, ...options.environment, ...options.functionEnvironment?.[logicalId] },
      maxConcurrency: options.maxConcurrency?.[logicalId],
      timeScale: options.timeScale,
      log: options.log,
    };
  });
}
