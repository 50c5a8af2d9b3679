import { describe, expect, it } from 'vitest';
import { jobsMessage } from '../../src/admin/slack/blocks.js';
import type { JobStatus } from '../../src/scheduler/types.js';

const text = (message: ReturnType<typeof jobsMessage>) => JSON.stringify(message.blocks ?? []);

const status = (over: Partial<JobStatus>): JobStatus => ({
  name: 'core.prune-events',
  cron: '17 3 * * *',
  description: 'prune processed events',
  running: false,
  runningOn: null,
  lastRun: null,
  nextRun: new Date('2026-03-03T02:17:00Z'),
  ...over,
});

describe('/platform admin jobs with several replicas', () => {
  it('names the replica that made the last run and the one running it now', () => {
    const message = jobsMessage([
      status({
        running: true,
        runningOn: 'groundcrew-2',
        lastRun: {
          id: 7,
          job: 'core.prune-events',
          trigger: 'schedule',
          startedAt: new Date('2026-03-02T02:17:00Z'),
          finishedAt: new Date('2026-03-02T02:17:04Z'),
          outcome: 'ok',
          error: null,
          scheduledFor: new Date('2026-03-02T02:17:00Z'),
          replica: 'groundcrew-1',
        },
      }),
    ]);
    expect(text(message)).toContain('*running now* on `groundcrew-2`');
    expect(text(message)).toContain('(4s) on `groundcrew-1`');
  });

  it('says nothing about replicas for runs recorded before they were told apart', () => {
    const message = jobsMessage([
      status({
        lastRun: {
          id: 1,
          job: 'core.prune-events',
          trigger: 'manual',
          startedAt: new Date('2026-03-02T02:17:00Z'),
          finishedAt: new Date('2026-03-02T02:17:04Z'),
          outcome: 'ok',
          error: null,
          scheduledFor: null,
          replica: null,
        },
      }),
    ]);
    expect(text(message)).not.toContain(' on `');
    expect(text(message)).not.toContain('running now');
  });
});
