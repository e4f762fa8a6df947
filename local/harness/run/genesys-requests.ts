/** The Genesys simulator's requests as the run summary counts them: API requests by status, token requests apart. */
import { isLoginRequest } from '../../genesys-sim/paths.js';
import type { GenesysRequest } from './observation.js';

/** What the summary shows of the Genesys requests of a run. */
export interface GenesysTotals {
  /** API requests (token requests left out). */
  requests: number;
  /** API requests per status, `"0"` for requests the simulator hung up on. */
  byStatus: Record<string, number>;
  tokenRequests: number;
  /** Requests answered 429, token requests included: the rate limit answers both. */
  throttled: number;
}

/** Counts the requests of a run. */
export function genesysTotals(requests: readonly GenesysRequest[]): GenesysTotals {
  const byStatus: Record<string, number> = {};
  let tokenRequests = 0;
  for (const request of requests) {
    if (isLoginRequest(request)) {
      tokenRequests += 1;
      continue;
    }
    byStatus[String(request.status)] = (byStatus[String(request.status)] ?? 0) + 1;
  }
  return {
    requests: Object.values(byStatus).reduce((sum, n) => sum + n, 0),
    byStatus,
    tokenRequests,
    throttled: requests.filter((request) => request.status === 429).length,
  };
}
