/** GenesysRouteRequestsPerMinute: what the template lets a deployer type is what the processor reads, and the reverse. */
import { readProcessorConfig } from '../../functions/shared/config.js';
import { ErrorName } from '../../functions/shared/errors.js';
import { parseRouteLimits, Route } from '../../functions/shared/genesys/routes.js';
import { loadTemplate } from '../../template/index.js';

const parameter = loadTemplate().Parameters?.GenesysRouteRequestsPerMinute as { AllowedPattern: string; Default: string };
const allowed = (value: string): boolean => new RegExp(parameter.AllowedPattern).test(value);

describe('GenesysRouteRequestsPerMinute', () => {
  it.each([
    ['', {}],
    [`${Route.putDataTableRow}=100`, { [Route.putDataTableRow]: 100 }],
    [`${Route.putConversationTags}=60, ${Route.patchAttributes}=200`, { [Route.putConversationTags]: 60, [Route.patchAttributes]: 200 }],
  ])('accepts %j in the template and reads it in the processor', (value, limits) => {
    expect(allowed(value)).toBe(true);
    expect(parseRouteLimits(value)).toEqual(limits);
  });

  it.each(['PUT /api/v2/flows/datatables/{datatableId}/rows/{key}', 'PUT /api/v2/flows/datatables/{datatableId}/rows/{key}=', '/api/v2/conversations/{conversationId}/tags=5', 'PUT /api/v2/conversations/{conversationId}/tags=fast'])(
    'refuses %j in the template, as the processor would',
    (value) => {
      expect(allowed(value)).toBe(false);
      expect(() => parseRouteLimits(value)).toThrow(expect.objectContaining({ name: ErrorName.Configuration }));
    },
  );

  it('refuses a route the processor never calls with a ConfigurationError that lists the routes there are', () => {
    const value = 'GET /api/v2/users/{userId}=10';
    expect(allowed(value)).toBe(true);
    expect(() => parseRouteLimits(value)).toThrow(new RegExp(`not ROUTE=N with one of the routes.*${Route.putConversationTags.replace(/[{}/]/g, '\\$&')}`));
    expect(() => parseRouteLimits(`${Route.putConversationTags}=0`)).toThrow(/whole number of requests per minute ≥ 1/);
  });

  it("fails the processor's init with a named error when scope client has no table", () => {
    const env = { GENESYS_ENVIRONMENT: 'mypurecloud.com', GENESYS_SECRET_ID: 'arn', GENESYS_SECRET_MAX_AGE_SECONDS: '300', GENESYS_REQUESTS_PER_MINUTE: '300', GENESYS_REQUEST_TIMEOUT_MS: '3000', GENESYS_MAX_IN_PLACE_RETRY_AFTER_SECONDS: '3' };
    expect(readProcessorConfig(env)).toMatchObject({ rateLimitScope: 'token', routeLimits: {} });
    expect(readProcessorConfig({ ...env, GENESYS_RATE_LIMIT_SCOPE: 'client', RATE_BUDGET_TABLE_NAME: 'budget' })).toMatchObject({ rateLimitScope: 'client', rateBudgetTableName: 'budget' });
    expect(() => readProcessorConfig({ ...env, GENESYS_RATE_LIMIT_SCOPE: 'client', RATE_BUDGET_TABLE_NAME: '' })).toThrow(/RATE_BUDGET_TABLE_NAME is required when GENESYS_RATE_LIMIT_SCOPE is 'client'/);
    expect(() => readProcessorConfig({ ...env, GENESYS_RATE_LIMIT_SCOPE: 'org' })).toThrow(/GENESYS_RATE_LIMIT_SCOPE must be one of token, client/);
  });
});
