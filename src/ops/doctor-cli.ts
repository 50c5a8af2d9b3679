import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config.js';
import { formatReport, runDoctor } from './doctor.js';
import { readManifestScopes } from './manifest.js';
import { createSlackClient } from './slack-check.js';

/** `npm run doctor`: exit 0 when all is well, 1 on a problem, 2 when the configuration itself does not load. */
async function main(): Promise<number> {
  if (existsSync('.env')) {
    try {
      process.loadEnvFile('.env');
    } catch (error) {
      process.stderr.write(`doctor: cannot read .env: ${(error as Error).message}\n`);
      return 2;
    }
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `doctor: the configuration does not load\n${error.problems.map((p) => `FAIL ${p}`).join('\n')}\n${error.hint}\n`,
    );
    return 2;
  }
  const report = await runDoctor({
    config,
    client: createSlackClient(config.env),
    fetch: globalThis.fetch,
    manifestScopes: readManifestScopes(),
  });
  process.stdout.write(`${formatReport(report).join('\n')}\n`);
  process.stdout.write(report.problems === 0 ? 'doctor: all good\n' : `doctor: ${report.problems} problem(s)\n`);
  return report.problems === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`doctor: failed: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(2);
  },
);
