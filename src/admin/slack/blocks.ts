import type { KnownBlock } from '@slack/types';
import type { AuditRow } from '../../audit/repo.js';
import { formatDuration } from '../../clock.js';
import type { JobStatus } from '../../scheduler/types.js';
import type { ReplyMessage } from '../../slack/command-registry.js';
import { context, escapeMrkdwn, linesToSections, section, slackDate, truncate } from '../../slack/mrkdwn.js';

const OUTCOME_ICON: Record<string, string> = {
  ok: ':white_check_mark:',
  failed: ':x:',
  running: ':hourglass_flowing_sand:',
  skipped: ':fast_forward:',
  denied: ':no_entry:',
};

export function jobsMessage(jobs: readonly JobStatus[]): ReplyMessage {
  if (jobs.length === 0) return { text: 'No scheduled jobs are registered.' };
  const blocks: KnownBlock[] = [section(`*Scheduled jobs* (${jobs.length})`)];
  for (const job of jobs.slice(0, 45)) {
    const last = job.lastRun
      ? `${OUTCOME_ICON[job.lastRun.outcome] ?? ''} ${job.lastRun.outcome} ${slackDate(job.lastRun.startedAt)}` +
        (job.lastRun.finishedAt
          ? ` (${formatDuration(job.lastRun.finishedAt.getTime() - job.lastRun.startedAt.getTime())})`
          : '') +
        (job.lastRun.replica ? ` on ${replicaName(job.lastRun.replica)}` : '') +
        (job.lastRun.error ? `\n> ${escapeMrkdwn(truncate(job.lastRun.error, 300))}` : '')
      : 'never run';
    const now = job.runningOn
      ? ` · *running now* on ${replicaName(job.runningOn)}`
      : job.running
        ? ' · *running now*'
        : '';
    blocks.push(
      section(
        `*\`${job.name}\`* — ${escapeMrkdwn(job.description)}\n` +
          `Schedule \`${job.cron}\` · next ${job.nextRun ? slackDate(job.nextRun) : '—'}${now}\n` +
          `Last run: ${last}`,
      ),
    );
  }
  blocks.push(context('Run one now with `/platform admin run <job>`.'));
  return { text: `Scheduled jobs: ${jobs.map((j) => j.name).join(', ')}`, blocks };
}

/** A replica id as code (ids are letters, digits and `.` `_` `:` `@` `-`; escaped all the same). */
const replicaName = (replica: string) => `\`${escapeMrkdwn(replica)}\``;

export function auditMessage(rows: readonly AuditRow[]): ReplyMessage {
  if (rows.length === 0) return { text: 'The audit log is empty.' };
  const lines = rows.map((row) => {
    const inputs =
      row.inputs && Object.keys(row.inputs).length > 0 ? ` \`${truncate(JSON.stringify(row.inputs), 200)}\`` : '';
    const actor = /^[UW][A-Z0-9]+$/.test(row.actor) ? `<@${row.actor}>` : escapeMrkdwn(row.actor);
    return (
      `${OUTCOME_ICON[row.outcome] ?? ''} ${slackDate(row.at)} ${actor} *${escapeMrkdwn(row.action)}*` +
      `${row.target ? ` on \`${escapeMrkdwn(row.target)}\`` : ''}${inputs}` +
      `${row.detail ? ` — ${escapeMrkdwn(truncate(row.detail, 200))}` : ''}`
    );
  });
  // One section holds at most 3000 characters: split the lines over as many sections as needed.
  const blocks: KnownBlock[] = [section(`*Audit log* — latest ${rows.length}`), ...linesToSections(lines, 2900)];
  return { text: `Audit log: latest ${rows.length} entries`, blocks: blocks.slice(0, 50) };
}
