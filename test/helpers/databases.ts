import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * The databases the store suite runs against: SQLite always, PostgreSQL when DATABASE_TEST_URL
 * is set (CI sets it and fails if PostgreSQL is missing; a laptop without it skips that half).
 */
export function storeTargets(): { name: string; create: () => Promise<TestDatabase> }[] {
  const targets = [
    {
      name: 'sqlite',
      create: async () => ({ name: 'sqlite', url: 'sqlite::memory:', drop: async () => {} }),
    },
  ];
  const pgUrl = process.env.DATABASE_TEST_URL;
  if (pgUrl) {
    targets.push({ name: 'postgres', create: () => createPostgresDatabase(pgUrl) });
  } else if (process.env.CI) {
    throw new Error('DATABASE_TEST_URL must be set in CI so the store suite runs on PostgreSQL too.');
  } else {
    console.warn('DATABASE_TEST_URL is not set: the store suite runs on SQLite only.');
  }
  return targets;
}

/** A fresh, uniquely named database on the server at `adminUrl`, dropped afterwards. */
export async function createPostgresDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name: 'postgres',
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
