/**
 * The Genesys Cloud OAuth client, read from Secrets Manager through Powertools Parameters and cached
 * for `maxAge` seconds, so a rotated secret is picked up without a cold start.
 * Messages name the secret id, never its value: a JSON parse error would quote the value, so it is
 * not kept as the cause.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { TransformParameterError } from '@aws-lambda-powertools/parameters/errors';
import { boundedClientConfig, SECRET_READ_BUDGET } from '../aws-clients.js';
import { ConfigurationError } from '../errors.js';

/** The OAuth client-credentials pair stored in the secret as `{"clientId","clientSecret"}`. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The slice of Powertools' SecretsProvider used here, so tests can pass a fake. */
export interface SecretSource {
  get(name: string, options: { maxAge: number; transform: 'json' }): Promise<unknown>;
}

/** Where credentials come from: called before every login, cheap while the secret is cached. */
export type CredentialsSource = () => Promise<ClientCredentials>;

/** Values a template or a README leaves in a secret to be replaced: never a real client id. */
const PLACEHOLDER = /^(?:replace[_-]?me|changeme|change[_-]?me|todo|tbd|placeholder|xxx+|<.*>|\$\{.*\})$/i;

/**
 * A SecretsProvider over one SecretsManagerClient held to the secret read's time budget
 * (functions/shared/aws-clients.ts); build it once per execution environment.
 */
export function createSecretsProvider(client: SecretsManagerClient = new SecretsManagerClient(boundedClientConfig(SECRET_READ_BUDGET))): SecretsProvider {
  return new SecretsProvider({ awsSdkV3Client: client });
}

/**
 * Checks a parsed secret.
 * @throws ConfigurationError naming the secret id and the field at fault, never a value.
 */
export function validateClientCredentials(value: unknown, secretId: string): ClientCredentials {
  const problem = `secret ${secretId} must hold {"clientId","clientSecret"} as non-empty strings`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${problem}: it is not a JSON object`);
  }
  const { clientId, clientSecret } = value as Record<string, unknown>;
  for (const [field, fieldValue] of [['clientId', clientId], ['clientSecret', clientSecret]] as const) {
    if (typeof fieldValue !== 'string' || fieldValue.trim() === '') {
      throw new ConfigurationError(`${problem}: ${field} is missing or empty`);
    }
  }
  if (PLACEHOLDER.test((clientId as string).trim())) {
    throw new ConfigurationError(`${problem}: clientId is still a placeholder; store the Genesys OAuth client in it`);
  }
  return { clientId: (clientId as string).trim(), clientSecret: clientSecret as string };
}

/**
 * Reads and validates the OAuth client.
 * @throws ConfigurationError when the secret cannot be read or is malformed.
 */
export async function readClientCredentials(source: SecretSource, secretId: string, maxAgeSeconds: number): Promise<ClientCredentials> {
  let value: unknown;
  try {
    value = await source.get(secretId, { maxAge: maxAgeSeconds, transform: 'json' });
  } catch (error) {
    if (error instanceof TransformParameterError) {
      throw new ConfigurationError(`secret ${secretId} is not valid JSON`);
    }
    // Powertools wraps the SDK's error (ResourceNotFoundException, AccessDeniedException, ...) as the cause.
    const sdkError = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const reason = sdkError instanceof Error ? sdkError.name : 'unknown error';
    throw new ConfigurationError(`secret ${secretId} could not be read (${reason})`, { cause: error });
  }
  if (value === undefined) throw new ConfigurationError(`secret ${secretId} has no value`);
  return validateClientCredentials(value, secretId);
}

/** A CredentialsSource bound to one secret. */
export function secretCredentials(source: SecretSource, secretId: string, maxAgeSeconds: number): CredentialsSource {
  return () => readClientCredentials(source, secretId, maxAgeSeconds);
}
