import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigurationError } from '../../functions/shared/errors.js';
import { createSecretsProvider, readClientCredentials, validateClientCredentials } from '../../functions/shared/genesys/credentials.js';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:genesys-oauth-client-AbCdEf';
const SECRET_VALUE = 's3cr3t-Value-That-Must-Not-Leak';

describe('validateClientCredentials', () => {
  it('accepts a client id and secret', () => {
    expect(validateClientCredentials({ clientId: ' 7de3af06-c0b3-4f9b-af45-ef4b1f2e2b4e ', clientSecret: SECRET_VALUE }, SECRET_ID)).toEqual({
      clientId: '7de3af06-c0b3-4f9b-af45-ef4b1f2e2b4e',
      clientSecret: SECRET_VALUE,
    });
  });

  it.each([
    ['that is not an object', 'just-a-string', /not a JSON object/],
    ['that is an array', [SECRET_VALUE], /not a JSON object/],
    ['without clientId', { clientSecret: SECRET_VALUE }, /clientId is missing or empty/],
    ['with an empty clientSecret', { clientId: 'abc', clientSecret: ' ' }, /clientSecret is missing or empty/],
    ['with a numeric clientSecret', { clientId: 'abc', clientSecret: 42 }, /clientSecret is missing or empty/],
    ['with a placeholder clientId', { clientId: 'REPLACE_ME', clientSecret: SECRET_VALUE }, /placeholder/],
    ['with a <placeholder> clientId', { clientId: '<client id>', clientSecret: SECRET_VALUE }, /placeholder/],
  ])('refuses a secret %s, naming the secret but not its value', (_label, value, message) => {
    let error: unknown;
    try {
      validateClientCredentials(value, SECRET_ID);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(SECRET_ID);
    expect((error as Error).message).not.toContain(SECRET_VALUE);
  });
});

describe('readClientCredentials', () => {
  const secretsManager = mockClient(SecretsManagerClient);

  afterEach(() => {
    secretsManager.reset();
  });

  it('reads the secret as JSON through Powertools and caches it for maxAge', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: JSON.stringify({ clientId: 'client-1', clientSecret: SECRET_VALUE }) });
    const provider = createSecretsProvider(new SecretsManagerClient({ region: 'us-east-1' }));

    await expect(readClientCredentials(provider, SECRET_ID, 300)).resolves.toEqual({ clientId: 'client-1', clientSecret: SECRET_VALUE });
    await readClientCredentials(provider, SECRET_ID, 300);

    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('refuses a secret that is not JSON without quoting it', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: `clientSecret=${SECRET_VALUE}` });
    const provider = createSecretsProvider(new SecretsManagerClient({ region: 'us-east-1' }));

    const error = (await readClientCredentials(provider, SECRET_ID, 300).catch((caught: unknown) => caught)) as ConfigurationError;

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(`secret ${SECRET_ID} is not valid JSON`);
    expect(error.cause).toBeUndefined();
  });

  it('refuses a JSON secret holding a placeholder', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ clientId: 'REPLACE_ME', clientSecret: SECRET_VALUE }) });
    const provider = createSecretsProvider(new SecretsManagerClient({ region: 'us-east-1' }));

    await expect(readClientCredentials(provider, SECRET_ID, 300)).rejects.toThrow(/placeholder/);
  });

  it('names the secret and the service error when it cannot be read', async () => {
    const notFound = Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
    secretsManager.on(GetSecretValueCommand).rejects(notFound);
    const provider = createSecretsProvider(new SecretsManagerClient({ region: 'us-east-1' }));

    await expect(readClientCredentials(provider, SECRET_ID, 300)).rejects.toThrow(`secret ${SECRET_ID} could not be read (ResourceNotFoundException)`);
  });
});
