import { DomainError } from '../errors.js';
import type { SurveyConfig } from './config.js';
import { ChannelUnreadable, type SurveysServiceDeps, UsergroupUnreadable } from './ports.js';

/**
 * Who a wave is for: the survey's people, the members of its channels and usergroups, minus whoever opted out,
 * sorted. A channel or usergroup Slack will not list stops the start with an `unavailable` error that names the
 * survey, the channel or usergroup, and the fix (the command answers with it; a scheduled start DMs the admins).
 */
export function createAudience(deps: Pick<SurveysServiceDeps, 'repo' | 'channels'>) {
  return async function audience(survey: SurveyConfig): Promise<string[]> {
    const people = new Set<string>(survey.audience.users);
    for (const channel of survey.audience.channels) {
      const members = await deps.channels.members(channel).catch((error: unknown) => {
        if (error instanceof ChannelUnreadable) throw unreadableChannel(survey, channel, error.code);
        throw error;
      });
      for (const u of members) people.add(u);
    }
    for (const usergroup of survey.audience.usergroups) {
      const members = await deps.channels.usergroupMembers(usergroup).catch((error: unknown) => {
        if (error instanceof UsergroupUnreadable) throw unreadableUsergroup(survey, usergroup, error.code);
        throw error;
      });
      for (const u of members) people.add(u);
    }
    const out = await deps.repo.optedOutAmong([...people]);
    return [...people].filter((u) => !out.has(u)).sort();
  };
}

/** The admin-facing error for an audience channel the bot cannot read: names the survey, the channel, the fix. */
function unreadableChannel(survey: SurveyConfig, channel: string, code: string): DomainError {
  const why = code === 'not_in_channel' ? 'the bot is not a member of it' : 'the bot cannot see it';
  return new DomainError(
    'unavailable',
    `Survey \`${survey.id}\`: its audience channel <#${channel}> (${channel}) cannot be read (${code}: ${why}). Invite the bot there with \`/invite @groundcrew\` in that channel, or change \`audience\` in groundcrew.yml; no wave was started.`,
  );
}

/** Why Slack may refuse usergroups.users.list, and the fix. */
const USERGROUP_FIXES: Readonly<Record<string, string>> = {
  no_such_subteam: 'there is no such usergroup (deleted, or the ID is wrong): check `audience` in groundcrew.yml',
  subteam_not_found: 'there is no such usergroup (deleted, or the ID is wrong): check `audience` in groundcrew.yml',
  missing_scope:
    'the app lacks the `usergroups:read` scope: add it to the app (manifest.yml) and reinstall it to the workspace',
  not_allowed_token_type: 'the token cannot read usergroups: use the bot token (xoxb-) with `usergroups:read`',
  paid_only: 'usergroups need a paid Slack plan: list the people or a channel in `audience` instead',
};

function unreadableUsergroup(survey: SurveyConfig, usergroup: string, code: string): DomainError {
  const fix =
    USERGROUP_FIXES[code] ?? 'check the ID in `audience` in groundcrew.yml and that the app has `usergroups:read`';
  return new DomainError(
    'unavailable',
    `Survey \`${survey.id}\`: its audience usergroup <!subteam^${usergroup}> (${usergroup}) cannot be read (${code}): ${fix}. No wave was started.`,
  );
}
