import { type Config, publicUrl } from '../config.js';
import type { Principals } from '../config-fields.js';

/** Everything in the configuration that points outside groundcrew, each with the config key that names it. */

export interface SlackReference {
  key: string;
  kind: 'channel' | 'user' | 'usergroup';
  id: string;
  /** groundcrew reads this channel's messages: Slack sends its events only while the bot is a member. */
  listens?: boolean;
}

export interface GithubWorkflow {
  key: string;
  repo: string;
  workflow: string;
}

export interface Webhook {
  key: string;
  secret: string;
}

/** A folder groundcrew reads (support.docs.folder): relative paths are read from the working directory. */
export interface FolderReference {
  key: string;
  path: string;
}

export interface ConfigReferences {
  slack: SlackReference[];
  folders: FolderReference[];
  workflows: GithubWorkflow[];
  /** Webhooks that call back (deploy executors, request fulfilment): they need GROUNDCREW_PUBLIC_URL. */
  webhooks: Webhook[];
}

function principals(key: string, p: Principals): SlackReference[] {
  return [
    ...p.users.map((id, i) => ({ key: `${key}[${i}]`, kind: 'user' as const, id })),
    ...p.usergroups.map((id, i) => ({ key: `${key}[${i}]`, kind: 'usergroup' as const, id })),
  ];
}

export function configReferences(config: Config): ConfigReferences {
  const { team } = config;
  const slack: SlackReference[] = [
    ...team.admins.map((id, i) => ({ key: `admins[${i}]`, kind: 'user' as const, id })),
    ...principals('platformTeam', team.platformTeam),
  ];
  const workflows: GithubWorkflow[] = [];
  const webhooks: Webhook[] = [];
  const deploys = team.deploys;
  if (deploys) {
    slack.push({ key: 'deploys.channel', kind: 'channel', id: deploys.channel });
    deploys.environments.forEach((env, i) => {
      slack.push(...principals(`deploys.environments[${i}].approvals.approvers`, env.approvals.approvers));
    });
    deploys.services.forEach((service, i) => {
      slack.push(...principals(`deploys.services[${i}].owners`, service.owners));
    });
    slack.push(...principals('deploys.breakGlass', deploys.breakGlass));
    for (const [name, executor] of Object.entries(deploys.executors)) {
      const key = `deploys.executors.${name}`;
      if (executor.type === 'github-actions') workflows.push({ key, repo: executor.repo, workflow: executor.workflow });
      else webhooks.push({ key, secret: executor.secret });
    }
  }
  const requests = team.requests;
  if (requests) {
    slack.push({ key: 'requests.channel', kind: 'channel', id: requests.channel });
    requests.types.forEach((type, i) => {
      const key = `requests.types[${i}]`;
      if (type.approval) slack.push(...principals(`${key}.approval.approvers`, type.approval.approvers));
      if (type.fulfilment.kind === 'webhook') {
        webhooks.push({ key: `${key}.fulfilment.webhook`, secret: type.fulfilment.secret });
      }
    });
  }
  (team.surveys ?? []).forEach((survey, i) => {
    const key = `surveys[${i}]`;
    // The audience is one list in the file; the key names it and the ID says which entry.
    for (const id of survey.audience.channels) slack.push({ key: `${key}.audience`, kind: 'channel', id });
    slack.push(
      ...principals(`${key}.audience`, { users: survey.audience.users, usergroups: survey.audience.usergroups }),
    );
    slack.push({ key: `${key}.resultsChannel`, kind: 'channel', id: survey.resultsChannel });
  });
  const communities = team.communities;
  if (communities) {
    communities.communities.forEach((community, i) => {
      const key = `communities.communities[${i}]`;
      slack.push({ key: `${key}.channel`, kind: 'channel', id: community.channel });
      slack.push(...principals(`${key}.leads`, community.leads));
    });
    if (communities.digest?.channel) {
      slack.push({ key: 'communities.digest.channel', kind: 'channel', id: communities.digest.channel });
    }
    if (communities.welcome?.channel) {
      slack.push({ key: 'communities.welcome.channel', kind: 'channel', id: communities.welcome.channel });
    }
  }
  const folders: FolderReference[] = [];
  const support = team.support;
  if (support) {
    support.channels.forEach((id, i) => {
      slack.push({ key: `support.channels[${i}]`, kind: 'channel', id, listens: true });
    });
    slack.push({ key: 'support.triageChannel', kind: 'channel', id: support.triageChannel });
    slack.push(...principals('support.responders', support.responders));
    support.onDuty?.rotation?.people.forEach((id, i) => {
      slack.push({ key: `support.onDuty.rotation.people[${i}]`, kind: 'user', id });
    });
    if (support.onDuty?.usergroup) {
      slack.push({ key: 'support.onDuty.usergroup', kind: 'usergroup', id: support.onDuty.usergroup });
    }
    if (support.docs) folders.push({ key: 'support.docs.folder', path: support.docs.folder });
  }
  return { slack, folders, workflows, webhooks };
}

/** The example file's placeholder secrets start like this; a real secret never should. */
const PLACEHOLDER = /^replace-with/;

/**
 * Configuration that starts fine but breaks later, one line each naming the key: callbacks that cannot arrive,
 * GitHub deploys without a token, example secrets left in place. Logged as warnings at start; the doctor fails on them.
 */
export function configWarnings(config: Config): string[] {
  const { env } = config;
  const { workflows, webhooks } = configReferences(config);
  const out: string[] = [];
  if (webhooks.length > 0 && !env.GROUNDCREW_PUBLIC_URL) {
    const keys = webhooks.map((w) => w.key).join(', ');
    out.push(
      `GROUNDCREW_PUBLIC_URL is not set, but ${keys} call back: their callbacks would go to ${publicUrl(env)}/hooks/…, never arrive, and deploys stay "running" until deploys.runTimeout — set it to the public base URL of groundcrew`,
    );
  }
  if (workflows.length > 0 && !env.GITHUB_TOKEN) {
    const keys = workflows.map((w) => w.key).join(', ');
    out.push(`GITHUB_TOKEN is not set, but ${keys} run GitHub workflows: every such deploy would fail when it starts`);
  }
  for (const webhook of webhooks) {
    if (PLACEHOLDER.test(webhook.secret)) {
      out.push(
        `${webhook.key}.secret: still the example's placeholder — set a long random secret shared with the receiver`,
      );
    }
  }
  return out;
}
