import { defineCapability } from '../capability.js';
import { ArgsError } from '../slack/command-args.js';
import { createAdminService } from './service.js';
import { auditMessage, jobsMessage } from './slack/blocks.js';
import { doctorCommand } from './slack/doctor-command.js';

export const AUDIT_DEFAULT = 20;
export const AUDIT_MAX = 100;

/** Admin commands: scheduled jobs and the audit log. */
export const adminCapability = defineCapability('admin', (core) => {
  const { scheduler, audit } = core;
  const admin = createAdminService({ scheduler, audit });
  return {
    commands: [
      doctorCommand(core),
      {
        name: 'admin jobs',
        usage: 'admin jobs',
        summary: 'scheduled jobs: schedule, last run and outcome, next run',
        minRole: 'admin',
        flags: [],
        async handle(ctx) {
          await ctx.reply(jobsMessage(await scheduler.list()));
        },
      },
      {
        name: 'admin run',
        usage: 'admin run <job>',
        summary: 'run a scheduled job now',
        minRole: 'admin',
        flags: [],
        async handle(ctx) {
          const name = ctx.args.positional[0];
          const known = (await scheduler.list()).map((j) => j.name);
          if (!name || !scheduler.has(name)) {
            throw new ArgsError(
              `${name ? `There is no job \`${name}\`. ` : 'Name the job to run. '}Jobs: ${known.map((j) => `\`${j}\``).join(', ')}`,
            );
          }
          await ctx.ackNow();
          const run = await admin.runJob(ctx.userId, name);
          const text =
            run.outcome === 'ok'
              ? `:white_check_mark: \`${name}\` ran successfully.`
              : run.outcome === 'skipped'
                ? `:fast_forward: \`${name}\` is already running; this run was skipped.`
                : `:x: \`${name}\` failed: ${run.error ?? 'unknown error'}`;
          await ctx.reply(text);
        },
      },
      {
        name: 'admin audit',
        usage: 'admin audit [n]',
        summary: `the latest audit log entries (default ${AUDIT_DEFAULT}, at most ${AUDIT_MAX})`,
        minRole: 'admin',
        flags: [],
        async handle(ctx) {
          const raw = ctx.args.positional[0];
          const n = raw === undefined ? AUDIT_DEFAULT : Number(raw);
          if (!Number.isInteger(n) || n < 1)
            throw new ArgsError(`\`${raw}\` is not a count; try \`/platform admin audit 50\``);
          await ctx.reply(auditMessage(await audit.latest(Math.min(n, AUDIT_MAX))));
        },
      },
    ],
  };
});
