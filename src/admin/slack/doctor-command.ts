import type { Core } from '../../capability.js';
import { type DoctorLevel, runDoctor } from '../../ops/doctor.js';
import { readManifestScopes } from '../../ops/manifest.js';
import type { Subcommand } from '../../slack/command-registry.js';
import { escapeMrkdwn } from '../../slack/mrkdwn.js';

const MARK: Record<DoctorLevel, string> = { ok: ':white_check_mark:', problem: ':x:', note: ':information_source:' };

/** `/platform admin doctor`: the same checks as `npm run doctor`, answered to the admin alone. */
export function doctorCommand(deps: Pick<Core, 'config' | 'client' | 'fetch'>): Subcommand {
  return {
    name: 'admin doctor',
    usage: 'admin doctor',
    summary: 'check the token, scopes, configured channels, people, GitHub workflows and callback settings',
    minRole: 'admin',
    flags: [],
    async handle(ctx) {
      await ctx.ackNow();
      const report = await runDoctor({
        config: deps.config,
        client: deps.client,
        fetch: deps.fetch,
        manifestScopes: readManifestScopes(),
      });
      const head = report.problems === 0 ? '*Doctor: all good.*' : `*Doctor: ${report.problems} problem(s).*`;
      const lines = report.lines.map((l) => `${MARK[l.level]} ${escapeMrkdwn(l.text)}`);
      await ctx.reply([head, ...lines].join('\n'));
    },
  };
}
