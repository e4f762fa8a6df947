/**
 * The local stack's Lambda runtime: the template's functions, their AWS calls sent to moto and the
 * Step Functions endpoint (or through the fault proxy in front of both), their Genesys calls to the simulator.
 */
import { functionEnvironment, resourcesOfType, type Template } from '../../../template/index.js';
import type { TemplateResolver } from '../../../template/resolver.js';
import type { FaultProxy } from '../fault-proxy.js';
import { LOCAL_AWS_ENV } from '../moto.js';
import type { StackSettings } from '../options.js';
import { LambdaRuntime, type FunctionPoolOptions } from './runtime.js';
import { functionPoolsFromTemplate, type HandlerModule, type TemplateFunctionsOptions } from './template-functions.js';

/** Where the functions' calls go. */
export interface FunctionEndpoints {
  moto: string;
  stepFunctions: string;
  genesysLoginBaseUrl: string;
  genesysApiBaseUrl: string;
}

/** The stack's settings the functions follow (see LocalStackOptions). */
export type FunctionSettings = Pick<StackSettings, 'template' | 'timeScale' | 'functionsProxy' | 'maxConcurrency' | 'functionEnvironment'>;

/** What the rest of the stack hands the functions. */
export interface StackFunctionsOptions {
  /** Resolves the functions' environment against the provisioned resources. */
  resolver: TemplateResolver;
  handlers: Record<string, HandlerModule>;
  endpoints: FunctionEndpoints;
  /** Where the workers' output goes (the per-run log file); by default this process's. */
  log?: FunctionPoolOptions['log'];
}

/** The AWS endpoints of the functions' environment: moto and the Step Functions endpoint, or the proxy routing on to them. */
function awsEndpoints(endpoints: FunctionEndpoints, proxy: Pick<FaultProxy, 'endpoint' | 'route'> | undefined): Pick<TemplateFunctionsOptions, 'environment' | 'rewriteUrlOrigin'> {
  if (proxy === undefined) return { environment: { AWS_ENDPOINT_URL: endpoints.moto, AWS_ENDPOINT_URL_SFN: endpoints.stepFunctions } };
  proxy.route({ targetPrefix: 'AWSStepFunctions.', upstream: endpoints.stepFunctions });
  return {
    environment: { AWS_ENDPOINT_URL: proxy.endpoint, AWS_ENDPOINT_URL_SFN: proxy.endpoint },
    // The SQS client sends to the host of a QueueUrl, not to AWS_ENDPOINT_URL: the queue URLs name the proxy too.
    rewriteUrlOrigin: { from: new URL(endpoints.moto).origin, to: new URL(proxy.endpoint).origin },
  };
}

/** Whether a function's NODE_OPTIONS asks for source maps: workers share this process's setting. */
function wantsSourceMaps(template: Template): boolean {
  return resourcesOfType(template, 'AWS::Serverless::Function').some((id) => String(functionEnvironment(template, id).NODE_OPTIONS ?? '').includes('--enable-source-maps'));
}

/** Creates the runtime; its execution environments start on the first invocation (or a prewarm). */
export function startStackFunctions(settings: FunctionSettings, options: StackFunctionsOptions): LambdaRuntime {
  if (wantsSourceMaps(settings.template)) process.setSourceMapsEnabled(true);
  const aws = awsEndpoints(options.endpoints, settings.functionsProxy);
  return new LambdaRuntime(
    functionPoolsFromTemplate({
      template: settings.template,
      resolver: options.resolver,
      handlers: options.handlers,
      timeScale: settings.timeScale,
      log: options.log,
      maxConcurrency: settings.maxConcurrency,
      functionEnvironment: settings.functionEnvironment,
      ...aws,
      environment: {
        ...LOCAL_AWS_ENV,
        ...aws.environment,
        GENESYS_LOGIN_BASE_URL: options.endpoints.genesysLoginBaseUrl,
        GENESYS_API_BASE_URL: options.endpoints.genesysApiBaseUrl,
      },
    }),
  );
}
