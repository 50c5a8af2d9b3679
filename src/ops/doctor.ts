import { isAbsolute, resolve } from 'node:path';
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config.js';
import { CHANNEL_ERRORS, channelProblem, slackErrorCode } from '../slack/channel-post.js';
import { readMarkdownFiles } from '../support/docs-index.js';
import { configReferences, configWarnings, type FolderReference, type SlackReference } from './config-walk.js';
import { checkBotToken, classifySlackFailure, describeNetworkError } from './slack-check.js';

/**
 * The doctor: checks what groundcrew will need from Slack and GitHub before a person runs into it. Every line names
 * the config key (or variable) it is about. Used by `npm run doctor` and `/platform admin doctor`.
 */

export type DoctorLevel = 'ok' | 'problem' | 'note';

export interface DoctorLine {
  level: DoctorLevel;
  text: string;
}

export interface DoctorReport {
  lines: DoctorLine[];
  problems: number;
}

export interface DoctorDeps {
  config: Config;
  client: WebClient;
  fetch: typeof fetch;
  /** The bot scopes manifest.yml asks for; null when the file could not be read. */
  manifestScopes: readonly string[] | null;
  /** Per GitHub request (default 10 s). */
  timeoutMs?: number;
}

export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const lines: DoctorLine[] = [];
  const say = (level: DoctorLevel, text: string) => lines.push({ level, text });
  const { config } = deps;
  const refs = configReferences(config);

  const token = await checkBotToken(deps.client);
  if (token.kind === 'rejected') say('problem', token.problem);
  else if (token.kind === 'unreachable') {
    say('problem', `Slack's Web API at ${config.env.SLACK_API_URL} could not be reached: ${token.reason}`);
  } else {
    say('ok', `SLACK_BOT_TOKEN: a bot token (bot ${token.identity.botId}, user ${token.identity.botUserId})`);
    const granted = token.scopes;
    checkScopes(granted, deps.manifestScopes, say);
    await checkChannels(deps.client, refs.slack, granted ?? [], say);
    await checkUsers(deps.client, refs.slack, say);
    await checkUsergroups(deps.client, refs.slack, say);
  }

  for (const folder of refs.folders) await checkDocsFolder(folder, say);
  for (const warning of configWarnings(config)) say('problem', warning);
  if (refs.webhooks.length > 0) {
    if (config.env.GROUNDCREW_PUBLIC_URL) {
      say('ok', `GROUNDCREW_PUBLIC_URL: callbacks go to ${config.env.GROUNDCREW_PUBLIC_URL}`);
    }
    say('ok', `webhook secrets: set for ${refs.webhooks.map((w) => w.key).join(', ')}`);
  }
  if (config.env.GITHUB_TOKEN) {
    for (const workflow of refs.workflows) {
      const problem = await checkWorkflow(deps, workflow.repo, workflow.workflow);
      say(
        problem ? 'problem' : 'ok',
        `${workflow.key}: ${problem ?? `GITHUB_TOKEN can see ${workflow.workflow} in ${workflow.repo}`}`,
      );
    }
  }
  return { lines, problems: lines.filter((l) => l.level === 'problem').length };
}

function failureText(error: unknown): string {
  const failure = classifySlackFailure(error);
  return failure.kind === 'rejected' ? failure.problem : failure.reason;
}

type Say = (level: DoctorLevel, text: string) => void;

function checkScopes(granted: string[] | undefined, wanted: readonly string[] | null, say: Say): void {
  if (!wanted) {
    say('note', 'scopes: manifest.yml could not be read, so the granted scopes were not compared');
    return;
  }
  if (!granted) {
    say('note', 'scopes: Slack did not say which scopes the token has (no x-oauth-scopes header)');
    return;
  }
  const missing = wanted.filter((scope) => !granted.includes(scope));
  for (const scope of missing) {
    say(
      'problem',
      `scopes: the token lacks ${scope}, which manifest.yml asks for — update the app's scopes and reinstall it to the workspace`,
    );
  }
  if (missing.length === 0) say('ok', `scopes: the token has every scope manifest.yml asks for (${wanted.join(', ')})`);
}

const unique = (refs: SlackReference[], kind: SlackReference['kind']) => refs.filter((r) => r.kind === kind);

async function checkChannels(client: WebClient, refs: SlackReference[], granted: string[], say: Say): Promise<void> {
  for (const ref of unique(refs, 'channel')) {
    let info: { name?: string; is_archived?: boolean; is_member?: boolean; is_private?: boolean } | undefined;
    try {
      info = (await client.conversations.info({ channel: ref.id })).channel;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === 'missing_scope') {
        say(
          'note',
          `${ref.key} ${ref.id}: not checked — the token lacks channels:read (groups:read for a private channel)`,
        );
      } else if (code)
        say(
          'problem',
          code in CHANNEL_ERRORS ? channelProblem(ref.key, ref.id, code) : `${ref.key} ${ref.id}: ${code}`,
        );
      else say('problem', `${ref.key} ${ref.id}: not checked — ${failureText(error)}`);
      continue;
    }
    if (info?.is_archived) say('problem', channelProblem(ref.key, ref.id, 'is_archived'));
    else if (ref.listens && !info?.is_member) {
      // Slack sends message events only for channels the bot is in; chat:write.public does not help here.
      say(
        'problem',
        `${ref.key} ${ref.id}: the bot is not a member, so Slack sends it no messages from #${info?.name ?? '?'} and no question becomes a ticket — type \`/invite @groundcrew\` in that channel`,
      );
    } else if (ref.listens && info?.is_private) {
      // groundcrew subscribes to message.channels only (docs/support.md): a private channel's messages never arrive.
      say(
        'problem',
        `${ref.key} ${ref.id}: #${info.name ?? '?'} is private, and groundcrew hears messages in public channels only, so no question there becomes a ticket — use a public help channel`,
      );
    } else if (!info?.is_member && (info?.is_private || !granted.includes('chat:write.public'))) {
      say('problem', channelProblem(ref.key, ref.id, 'not_in_channel'));
    } else {
      const how = info?.is_member ? 'the bot is a member' : 'public, the bot posts with chat:write.public';
      say('ok', `${ref.key} ${ref.id}: #${info?.name ?? '?'} (${how})`);
    }
  }
}

async function checkUsers(client: WebClient, refs: SlackReference[], say: Say): Promise<void> {
  const users = unique(refs, 'user');
  for (const ref of users) {
    try {
      const { user } = await client.users.info({ user: ref.id });
      if (user?.deleted) say('problem', `${ref.key} ${ref.id}: the user is deactivated`);
      else say('ok', `${ref.key} ${ref.id}: ${user?.name ?? 'exists'}`);
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === 'missing_scope') {
        say('note', `users: ${users.length} configured user(s) not checked — the token lacks users:read`);
        return;
      }
      if (code === 'user_not_found')
        say('problem', `${ref.key} ${ref.id}: user_not_found — no such user in this workspace`);
      else say('problem', `${ref.key} ${ref.id}: not checked — ${code ?? failureText(error)}`);
    }
  }
}

async function checkUsergroups(client: WebClient, refs: SlackReference[], say: Say): Promise<void> {
  const groups = unique(refs, 'usergroup');
  if (groups.length === 0) return;
  let known: { id?: string; handle?: string; date_delete?: number }[];
  try {
    known = (await client.usergroups.list({ include_disabled: true })).usergroups ?? [];
  } catch (error) {
    const code = slackErrorCode(error);
    const why = code === 'missing_scope' ? 'the token lacks usergroups:read' : (code ?? failureText(error));
    say(
      code === 'missing_scope' ? 'note' : 'problem',
      `usergroups: ${groups.length} configured usergroup(s) not checked — ${why}`,
    );
    return;
  }
  for (const ref of groups) {
    const group = known.find((g) => g.id === ref.id);
    if (!group) say('problem', `${ref.key} ${ref.id}: no such usergroup in this workspace`);
    else if (group.date_delete) say('problem', `${ref.key} ${ref.id}: the usergroup @${group.handle} is disabled`);
    else say('ok', `${ref.key} ${ref.id}: @${group.handle ?? '?'}`);
  }
}

/** A docs folder: it exists, relative to the working directory as groundcrew reads it, and holds Markdown files. */
async function checkDocsFolder(ref: FolderReference, say: Say): Promise<void> {
  const full = isAbsolute(ref.path) ? ref.path : resolve(process.cwd(), ref.path);
  let files: number;
  try {
    files = (await readMarkdownFiles(full)).length;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : String(error);
    say('problem', `${ref.key} ${ref.path}: ${why} (read as ${full}) — the tier-1 reply would cite no docs`);
    return;
  }
  if (files === 0)
    say('problem', `${ref.key} ${ref.path}: no Markdown files in ${full} — the tier-1 reply would cite no docs`);
  else say('ok', `${ref.key} ${ref.path}: ${files} Markdown file(s)`);
}

/** GET the workflow with GITHUB_TOKEN; null when it is visible and active, else what is wrong. */
async function checkWorkflow(deps: DoctorDeps, repo: string, workflow: string): Promise<string | null> {
  const { env } = deps.config;
  const url = `${env.GITHUB_API_URL.replace(/\/+$/, '')}/repos/${repo}/actions/workflows/${encodeURIComponent(workflow)}`;
  let response: Response;
  try {
    response = await deps.fetch(url, {
      headers: {
        authorization: `Bearer ${env.GITHUB_TOKEN}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'groundcrew',
      },
      signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
    });
  } catch (error) {
    return `could not reach GitHub at ${env.GITHUB_API_URL}: ${describeNetworkError(error)}`;
  }
  const body = (await response.json().catch(() => null)) as { state?: string; message?: string } | null;
  if (response.status === 401) return 'GitHub refused GITHUB_TOKEN (401): the token is not valid or expired';
  if (response.status === 404) {
    return `GitHub answered 404 for workflow ${workflow} in ${repo}: GITHUB_TOKEN cannot see the repository, or the workflow does not exist`;
  }
  if (!response.ok)
    return `GitHub answered ${response.status} for workflow ${workflow} in ${repo}: ${body?.message ?? ''}`.trim();
  if (body?.state && body.state !== 'active')
    return `workflow ${workflow} in ${repo} is ${body.state}; enable it on GitHub`;
  return null;
}

/** The report as text lines: `ok`, `FAIL`, `note` in front. */
export function formatReport(report: DoctorReport): string[] {
  const mark: Record<DoctorLevel, string> = { ok: 'ok  ', problem: 'FAIL', note: 'note' };
  return report.lines.map((line) => `${mark[line.level]} ${line.text}`);
}
