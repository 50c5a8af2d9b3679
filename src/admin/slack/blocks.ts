import type { KnownBlock } from '@slack/types';
import type { AuditRow } from '../../audit/repo.js';
import { formatDuration } from '../../clock.js';
import type { JobStatus } from '../../scheduler/types.js';
import type { ReplyMessage } from '../../slack/command-registry.js';
import {
  context,
  linesToSections,
  type Mrkdwn,
  mention,
  mrkdwn,
  section,
  slackDate,
  truncate,
  trusted,
} from '../../slack/mrkdwn.js';

const OUTCOME_ICON: Record<string, string> = {
  ok: ':white_check_mark:',
  failed: ':x:',
  running: ':hourglass_flowing_sand:',
  skipped: ':fast_forward:',
  denied: ':no_entry:',
};

export function jobsMessage(jobs: readonly JobStatus[]): ReplyMessage {
  if (jobs.length === 0) return { text: 'No scheduled jobs are registered.' };
  const blocks: KnownBlock[] = [section(mrkdwn`*Scheduled jobs* (${jobs.length})`)];
  for (const job of jobs.slice(0, 45)) {
    const run = job.lastRun;
    const last = run
      ? mrkdwn`${trusted(OUTCOME_ICON[run.outcome] ?? '')} ${run.outcome} ${trusted(slackDate(run.startedAt))}${
          run.finishedAt ? ` (${formatDuration(run.finishedAt.getTime() - run.startedAt.getTime())})` : ''
        }${run.replica ? trusted(mrkdwn` on \`${run.replica}\``) : ''}${
          run.error ? trusted(mrkdwn`\n> ${truncate(run.error, 300)}`) : ''
        }`
      : mrkdwn`never run`;
    const next = job.nextRun ? slackDate(job.nextRun) : '—';
    const now = job.runningOn
      ? mrkdwn` · *running now* on \`${job.runningOn}\``
      : mrkdwn`${trusted(job.running ? ' · *running now*' : '')}`;
    blocks.push(
      section(
        mrkdwn`*\`${job.name}\`* — ${job.description}
Schedule \`${job.cron}\` · next ${trusted(next)}${trusted(now)}
Last run: ${trusted(last)}`,
      ),
    );
  }
  blocks.push(context(mrkdwn`Run one now with \`/platform admin run <job>\`.`));
  return { text: `Scheduled jobs: ${jobs.map((j) => j.name).join(', ')}`, blocks };
}

export function auditMessage(rows: readonly AuditRow[]): ReplyMessage {
  if (rows.length === 0) return { text: 'The audit log is empty.' };
  const lines = rows.map((row): Mrkdwn => {
    const inputs =
      row.inputs && Object.keys(row.inputs).length > 0 ? mrkdwn` \`${truncate(JSON.stringify(row.inputs), 200)}\`` : '';
    const target = row.target ? mrkdwn` on \`${row.target}\`` : '';
    const detail = row.detail ? mrkdwn` — ${truncate(row.detail, 200)}` : '';
    return mrkdwn`${trusted(OUTCOME_ICON[row.outcome] ?? '')} ${trusted(slackDate(row.at))} ${/^[UW][A-Z0-9]+$/.test(row.actor) ? mention(row.actor) : row.actor} *${row.action}*${trusted(target)}${trusted(inputs)}${trusted(detail)}`;
  });
  // One section holds at most 3000 characters: split the lines over as many sections as needed.
  const blocks: KnownBlock[] = [section(mrkdwn`*Audit log* — latest ${rows.length}`), ...linesToSections(lines, 2900)];
  return { text: `Audit log: latest ${rows.length} entries`, blocks: blocks.slice(0, 50) };
}
