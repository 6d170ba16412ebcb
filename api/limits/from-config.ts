/** The API's limits and proxy trust as the environment sets them, for the processes that serve it (`npm run api`, `npm start`). */
import type { Config } from '../../lib/config';
import { parseRateLimit } from '../rate-limit';

export function accessOptionsFromConfig(config: Config) {
  return {
    rateLimit: parseRateLimit(config.CASCADE_RATE_LIMIT),
    failedAuthLimit: parseRateLimit(config.CASCADE_FAILED_AUTH_LIMIT, 'CASCADE_FAILED_AUTH_LIMIT'),
    publicRateLimit: parseRateLimit(config.CASCADE_PUBLIC_RATE_LIMIT, 'CASCADE_PUBLIC_RATE_LIMIT'),
    trustProxy: config.CASCADE_TRUST_PROXY,
  };
}
