import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  type Proc,
  pidsWithEnv,
  portIsFree,
  ROOT,
  SECRET,
  spawnWithEnv,
  startSlackStub,
  waitFor,
  waitForHealth,
  workdir,
} from './support.js';

let marker = '';
let stub: Server | undefined;
afterEach(async () => {
  // Whatever this test started and left behind (the orphan the fix prevents) is killed here, by process ID.
  for (const pid of pidsWithEnv(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await new Promise((r) => (stub ? stub.close(r) : r(null)));
  stub = undefined;
});

async function startWithNpm(detached = false): Promise<{ npm: Proc; port: number }> {
  const slack = await startSlackStub();
  stub = slack.server;
  const port = await freePort();
  const dir = workdir();
  marker = `GROUNDCREW_TEST_MARKER=${randomUUID()}`;
  const [key, value] = marker.split('=') as [string, string];
  const npm = spawnWithEnv(
    'npm',
    ['start', '--prefix', ROOT],
    {
      [key]: value,
      npm_config_update_notifier: 'false',
      SLACK_BOT_TOKEN: 'xoxb-ops',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      PORT: String(port),
      GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
      GROUNDCREW_DB: join(dir, 'gc.db'),
    },
    dir,
    detached,
  );
  await waitForHealth(port, npm);
  return { npm, port };
}

/** Sends SIGTERM via `signal`, then checks npm exits, the port is free and no started process remains, within 10 s. */
async function expectCleanStop(npm: Proc, port: number, signal: () => void): Promise<number> {
  const exited = new Promise<void>((r) => npm.on('exit', () => r()));
  const signalled = Date.now();
  signal();
  await exited;
  await waitFor(() => portIsFree(port), `port ${port} to be free`, 10_000);
  await waitFor(() => pidsWithEnv(marker).length === 0, 'every started process to exit', 10_000);
  const took = Date.now() - signalled;
  expect(took).toBeLessThan(10_000);
  expect(npm.output()).toContain('SIGTERM received');
  expect(npm.output()).toContain('stopped');
  return took;
}

describe('npm start under a supervisor', () => {
  it('SIGTERM to the npm process stops groundcrew within 10 s, frees the port and leaves no process behind', async () => {
    const { npm, port } = await startWithNpm();
    // npm, the shell running the start script (if any) and node: all carry the marker.
    expect(pidsWithEnv(marker).length).toBeGreaterThanOrEqual(2);
    await expectCleanStop(npm, port, () => npm.kill('SIGTERM'));
  }, 90_000);

  it('SIGTERM to the node process npm started does the same', async () => {
    const { npm, port } = await startWithNpm();
    const others = pidsWithEnv(marker).filter((pid) => pid !== npm.pid);
    expect(others).toHaveLength(1);
    await expectCleanStop(npm, port, () => process.kill(others[0]!, 'SIGTERM'));
  }, 90_000);

  it('SIGTERM to the whole process group (systemd, Ctrl-C in a terminal) does the same', async () => {
    const { npm, port } = await startWithNpm(true);
    await expectCleanStop(npm, port, () => process.kill(-npm.pid!, 'SIGTERM'));
  }, 90_000);
});
