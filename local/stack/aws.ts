/** The AWS side of the local stack: moto (started here unless a running one is shared), the template's resources in it, and the stack's own clients. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Lifecycle } from './lifecycle.js';
import { localClientConfig, startMoto } from './moto.js';
import type { StackSettings } from './options.js';
import { provisionFromTemplate, type ProvisionedResources } from './provision.js';

/** The stack's view of moto. */
export interface LocalAws {
  /** moto's endpoint. */
  endpoint: string;
  provisioned: ProvisionedResources;
  /** Clients of the stack itself (publishing, inspecting queues); the functions build their own. */
  clients: { sqs: SQSClient; eventBridge: EventBridgeClient };
}

/**
 * Starts moto unless `settings.motoEndpoint` names one, creates the template's resources there with
 * `secretValue` as the Genesys client secret, and registers with `lifecycle` how to stop all of it.
 */
export async function startLocalAws(settings: StackSettings, lifecycle: Lifecycle, secretValue: { clientId: string; clientSecret: string }): Promise<LocalAws> {
  const endpoint = settings.motoEndpoint ?? lifecycle.add('moto', await startMoto()).endpoint;
  const provisioned = await provisionFromTemplate({
    endpoint,
    template: settings.template,
    parameters: settings.parameters,
    busName: settings.busName,
    secretValue,
    stackName: settings.stackName,
    timeScale: settings.timeScale,
  });
  const clients = { sqs: new SQSClient(localClientConfig(endpoint)), eventBridge: new EventBridgeClient(localClientConfig(endpoint)) };
  lifecycle.onStop('clients', () => {
    clients.sqs.destroy();
    clients.eventBridge.destroy();
  });
  return { endpoint, provisioned, clients };
}
