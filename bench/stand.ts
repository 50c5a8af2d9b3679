/**
 * The stand every bench item runs on: one stand-in for the Slack Web API and the apps started against it. Each app
 * gets its own prefix on the stand-in (so its calls are counted apart); withStand stops every app it started and
 * closes the stand-in when the item ends, also when it fails.
 */
import { join } from 'node:path';
import { type AppProcess, type Loader, startApp, stopApp } from './apps.js';
import type { BeforeApp } from './before.js';
import { type SlackStub, startSlackStub } from './stub.js';

export interface BenchStand {
  stub: SlackStub;
  /** groundcrew on `database` (a SQLite path or a PostgreSQL URL), its Web API calls under `prefix`. */
  groundcrew(database: string, prefix?: string): Promise<AppProcess>;
  /** The bare Bolt baseline, its Web API calls under `prefix`; `env` adds its BENCH_* settings. */
  bare(env?: Record<string, string>, prefix?: string): Promise<AppProcess>;
  /** groundcrew from an earlier checkout (BENCH_BEFORE, bench/before.ts) on `database`, its calls under `prefix`. */
  before(app: BeforeApp, database: string, prefix?: string): Promise<AppProcess>;
}

export async function withStand<T>(loader: Loader, fn: (stand: BenchStand) => Promise<T>): Promise<T> {
  const stub = await startSlackStub();
  const started: AppProcess[] = [];
  const start = async (name: string, env: Record<string, string>, at?: { file: string; cwd: string }) => {
    const app = await startApp(name, loader, env, at);
    started.push(app);
    return app;
  };
  try {
    return await fn({
      stub,
      groundcrew: (database, prefix = 'groundcrew') =>
        start('groundcrew-app', { SLACK_API_URL: stub.urlFor(prefix), GROUNDCREW_DB: database }),
      bare: (env = {}, prefix = 'bare') => start('bare-bolt-app', { SLACK_API_URL: stub.urlFor(prefix), ...env }),
      before: (app, database, prefix = 'before') =>
        start(
          'groundcrew-app',
          {
            SLACK_API_URL: stub.urlFor(prefix),
            GROUNDCREW_DB: database,
            BENCH_TEAM_CONFIG: join(app.dir, 'groundcrew.example.yml'),
          },
          { file: app.file, cwd: app.dir },
        ),
    });
  } finally {
    await Promise.all(started.map(stopApp));
    await stub.close();
  }
}
