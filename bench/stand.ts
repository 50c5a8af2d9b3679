/**
 * The stand every bench item runs on: one stand-in for the Slack Web API and the apps started against it. Each app
 * gets its own prefix on the stand-in (so its calls are counted apart); withStand stops every app it started and
 * closes the stand-in when the item ends, also when it fails.
 */
import { type AppProcess, type Loader, startApp, stopApp } from './apps.js';
import { type SlackStub, startSlackStub } from './stub.js';

export interface BenchStand {
  stub: SlackStub;
  /** groundcrew on `database` (a SQLite path or a PostgreSQL URL), its Web API calls under `prefix`. */
  groundcrew(database: string, prefix?: string): Promise<AppProcess>;
  /** The bare Bolt baseline, its Web API calls under `prefix`; `env` adds its BENCH_* settings. */
  bare(env?: Record<string, string>, prefix?: string): Promise<AppProcess>;
}

export async function withStand<T>(loader: Loader, fn: (stand: BenchStand) => Promise<T>): Promise<T> {
  const stub = await startSlackStub();
  const started: AppProcess[] = [];
  const start = async (name: string, env: Record<string, string>) => {
    const app = await startApp(name, loader, env);
    started.push(app);
    return app;
  };
  try {
    return await fn({
      stub,
      groundcrew: (database, prefix = 'groundcrew') =>
        start('groundcrew-app', { SLACK_API_URL: stub.urlFor(prefix), GROUNDCREW_DB: database }),
      bare: (env = {}, prefix = 'bare') => start('bare-bolt-app', { SLACK_API_URL: stub.urlFor(prefix), ...env }),
    });
  } finally {
    await Promise.all(started.map(stopApp));
    await stub.close();
  }
}
