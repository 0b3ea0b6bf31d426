import { randomBytes } from 'node:crypto';

/**
 * The Redis the scale-out suites use: REDIS_TEST_URL (CI sets it and fails without it; a laptop
 * without Redis skips these suites with a message). Each test gets its own key prefix.
 */
export function redisTestUrl(): string | undefined {
  const url = process.env.REDIS_TEST_URL;
  if (!url && process.env.CI) throw new Error('REDIS_TEST_URL must be set in CI so the Redis suites run.');
  if (!url) console.warn('REDIS_TEST_URL is not set: skipping the Redis suites.');
  return url;
}

export function postgresTestUrl(): string | undefined {
  const url = process.env.DATABASE_TEST_URL;
  if (!url && process.env.CI)
    throw new Error('DATABASE_TEST_URL must be set in CI so the PostgreSQL suites run.');
  if (!url) console.warn('DATABASE_TEST_URL is not set: skipping the PostgreSQL suites.');
  return url;
}

export function uniquePrefix(): string {
  return `parley-test-${randomBytes(4).toString('hex')}`;
}
