import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { formatDuration } from '../../clock.js';
import { itemRef } from '../../slack/item-ref.js';
import {
  context,
  escapeMrkdwn,
  header,
  joinMrkdwn,
  linesToSections,
  link,
  type Mrkdwn,
  mention,
  mrkdwn,
  mrkdwnText,
  section,
  slackDate,
  truncate,
  trusted,
} from '../../slack/mrkdwn.js';
import type { ServiceConfig } from '../config.js';
import { type ActiveFreeze, formatLocal } from '../freezes.js';
import {
  ACTIVE_STATUSES,
  type DeployMetrics,
  type LockView,
  type PreflightResult,
  STATUS_EMOJI,
  STATUS_LABEL,
  scopeName,
} from '../model.js';
import type { DeployRow } from '../schema.js';
import { DEPLOY_IDS, environmentBlockId } from './ids.js';

/** Pure Block Kit builders: rows and view-models in, blocks out. */

/** People's free text (reasons) shown in a list line or a status message is cut here, so the rest still shows. */
const TEXT_MAX = 500;
/** Locks listed one by one (each a section with a button); the rest are counted. */
const MAX_LOCKS = 20;
/** Freezes listed in `/platform locks`; the rest are counted. */
const MAX_FREEZES = 20;
/** A date as Slack shows it in each reader's time zone, for the `mrkdwn` tag. */
const date = (at: Date) => trusted(slackDate(at));

const plain = (text: string) => ({ type: 'plain_text' as const, text: truncate(text, 75) });

export function deployTitle(deploy: Pick<DeployRow, 'id' | 'service' | 'environment'>): string {
  return `Deploy #${deploy.id} · ${deploy.service} → ${deploy.environment}`;
}

function took(deploy: DeployRow): string | null {
  if (!deploy.finishedAt) return null;
  const from = deploy.startedAt ?? deploy.requestedAt;
  return formatDuration(deploy.finishedAt.getTime() - from.getTime());
}

/** The living status message: who, what, ref, state, duration, run link; Cancel while active, Roll back once succeeded. */
export function statusMessage(deploy: DeployRow): { text: string; blocks: KnownBlock[] } {
  const label = STATUS_LABEL[deploy.status];
  const lines = [
    mrkdwn`*Requested by* ${mention(deploy.requestedBy)} · *Ref* \`${deploy.ref}\``,
    deploy.reason ? mrkdwn`*Reason* ${truncate(deploy.reason, TEXT_MAX)}` : null,
    deploy.approvedBy?.length
      ? mrkdwn`*Approved by* ${trusted(
          joinMrkdwn(
            deploy.approvedBy.map((u) => mrkdwn`${mention(u)}`),
            ', ',
          ),
        )}`
      : null,
    deploy.status === 'awaiting_approval'
      ? mrkdwn`*Waiting for approval* — approvers have the request in their DMs.`
      : null,
    deploy.startedAt ? mrkdwn`*Started* ${date(deploy.startedAt)}` : mrkdwn`*Requested* ${date(deploy.requestedAt)}`,
    took(deploy) ? mrkdwn`*Duration* ${took(deploy)}` : null,
    deploy.runUrl ? mrkdwn`*Run* ${link(deploy.runUrl, deploy.runId ? `GitHub run ${deploy.runId}` : 'open')}` : null,
  ].filter((l): l is Mrkdwn => l !== null);
  const blocks: KnownBlock[] = [
    section(mrkdwn`${STATUS_EMOJI[deploy.status]} *${deployTitle(deploy)}* — ${label}`),
    section(joinMrkdwn(lines)),
  ];
  const notes: Mrkdwn[] = [];
  if (deploy.breakGlassReason)
    notes.push(mrkdwn`:rotating_light: Broke glass through a freeze: ${truncate(deploy.breakGlassReason, TEXT_MAX)}`);
  if (deploy.rollbackOf) notes.push(mrkdwn`:rewind: Rolls back deploy #${deploy.rollbackOf}`);
  // `detail` is stored as mrkdwn: groundcrew's own mentions, with people's and remote systems' text escaped.
  if (deploy.detail) notes.push(mrkdwn`${trusted(deploy.detail)}`);
  if (notes.length) blocks.push(context(joinMrkdwn(notes)));
  const buttons = [];
  if (ACTIVE_STATUSES.includes(deploy.status)) {
    buttons.push({
      type: 'button' as const,
      action_id: DEPLOY_IDS.cancelButton,
      text: plain('Cancel'),
      value: itemRef(deploy),
      style: 'danger' as const,
      confirm: {
        title: plain('Cancel this deploy?'),
        text: mrkdwnText(mrkdwn`Cancel ${deployTitle(deploy)}?`),
        confirm: plain('Cancel it'),
        deny: plain('Keep going'),
      },
    });
  }
  if (deploy.status === 'succeeded') {
    buttons.push({
      type: 'button' as const,
      action_id: DEPLOY_IDS.rollbackButton,
      text: plain('Roll back'),
      value: itemRef(deploy),
    });
  }
  if (buttons.length) blocks.push({ type: 'actions', block_id: DEPLOY_IDS.statusActions, elements: buttons });
  return { text: `${deployTitle(deploy)} (${deploy.ref}): ${label}`, blocks };
}

/** Where to follow a deploy: its status message's channel, or why there is none (posting it failed). */
function followIn(deploy: DeployRow): string {
  return deploy.channel
    ? ` Follow it in <#${deploy.channel}>.`
    : ' Its status message could not be posted; you will get a DM when it finishes.';
}

/** The ephemeral answer to `/platform deploy` once the deploy exists. */
export function requestedReply(deploy: DeployRow): string {
  const title = `${deployTitle(deploy)} (\`${escapeMrkdwn(deploy.ref)}\`)`;
  switch (deploy.status) {
    case 'awaiting_approval':
      return `:raised_hand: ${title} is waiting for approval; approvers have been asked.${followIn(deploy)}`;
    case 'running':
      return `:rocket: ${title} started.${deploy.runUrl ? ` ${link(deploy.runUrl, 'Open the run').text}.` : ''}${followIn(deploy)}`;
    case 'failed':
    case 'cancelled':
      return `:x: ${title} ${deploy.status}: ${deploy.detail ?? 'no detail'}`;
    default:
      return `${STATUS_EMOJI[deploy.status]} ${title}: ${STATUS_LABEL[deploy.status]}.`;
  }
}

export function preflightReply(
  input: { service: string; environment: string; ref: string },
  result: PreflightResult,
  dryRun: boolean,
): string {
  const what = `${input.service} → ${input.environment} (\`${escapeMrkdwn(input.ref)}\`)`;
  if (!result.ok) {
    return [`:no_entry: ${dryRun ? 'Pre-flight for' : 'Cannot deploy'} ${what}${dryRun ? ' would be blocked' : ''}:`]
      .concat(result.problems.map((p) => `• ${p.message}`))
      .join('\n');
  }
  const approvals =
    result.approvalsNeeded > 0
      ? `needs ${result.approvalsNeeded} approval(s) before it runs`
      : 'would start right away';
  const glass = result.breaksGlass ? ' It breaks glass through a freeze (audited and announced).' : '';
  return `:white_check_mark: Dry run: ${what} passes pre-flight and ${approvals}.${glass} Nothing was deployed.`;
}

const notifyButton = (lock: { id: number; nonce: string | null }) => ({
  type: 'button' as const,
  action_id: DEPLOY_IDS.notifyWhenFree,
  text: plain('Notify me when free'),
  value: itemRef(lock),
});

/** The pre-flight answer to `/platform deploy`, with a "Notify me when free" button for each lock in the way. */
export function preflightMessage(
  input: { service: string; environment: string; ref: string },
  result: PreflightResult,
  dryRun: boolean,
): { text: string; blocks?: KnownBlock[] } {
  const text = preflightReply(input, result, dryRun);
  const locks = result.problems.flatMap((p) => (p.lock === undefined ? [] : [p.lock])).slice(0, 5);
  if (locks.length === 0) return { text };
  return {
    text,
    blocks: [
      // preflightReply is groundcrew's mrkdwn: the problems are written by the model with people's text escaped.
      ...linesToSections(text.split('\n').map((line) => mrkdwn`${trusted(line)}`)),
      ...locks.map(
        (lock): KnownBlock => ({
          type: 'actions',
          block_id: `${DEPLOY_IDS.blockedActions}.${lock.id}`,
          elements: [notifyButton(lock)],
        }),
      ),
    ],
  };
}

export function locksMessage(locks: readonly LockView[], freezes: readonly ActiveFreeze[], zone: string, now: Date) {
  const blocks: KnownBlock[] = [header('Locks and freezes')];
  if (locks.length === 0) blocks.push(section(mrkdwn`No environment is locked.`));
  for (const lock of locks.slice(0, MAX_LOCKS)) {
    const what = scopeName(lock.environment, lock.service);
    blocks.push({
      type: 'section',
      text: mrkdwnText(
        mrkdwn`:lock: *${what}* — ${mention(lock.holder)}: "${truncate(lock.reason, TEXT_MAX)}"
held ${formatDuration(now.getTime() - lock.createdAt.getTime())}, expires ${formatLocal(lock.expiresAt, zone, now)}`,
      ),
      accessory: notifyButton(lock),
    });
  }
  if (locks.length > MAX_LOCKS) blocks.push(context(mrkdwn`…and ${locks.length - MAX_LOCKS} more lock(s).`));
  const lines = freezes.slice(0, MAX_FREEZES).map((f) => {
    const envs = f.environments === 'all' ? 'all environments' : f.environments.join(', ');
    return mrkdwn`:snowflake: *${envs}* frozen until ${formatLocal(f.until, zone, now)} — ${truncate(f.reason, TEXT_MAX)}`;
  });
  if (freezes.length > MAX_FREEZES) lines.push(mrkdwn`…and ${freezes.length - MAX_FREEZES} more freeze(s).`);
  blocks.push(...(lines.length ? linesToSections(lines) : [section(mrkdwn`No freeze is in force.`)]));
  return { text: `${locks.length} lock(s), ${freezes.length} freeze(s)`, blocks };
}

function pct(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)}%`;
}

export function historyMessage(
  rows: readonly DeployRow[],
  figures: readonly { service: string; environment: string; metrics: DeployMetrics }[],
) {
  const blocks: KnownBlock[] = [header('Recent deploys')];
  if (rows.length === 0) blocks.push(section(mrkdwn`No deploys yet.`));
  const lines = rows.map((d) => {
    const duration = took(d);
    return mrkdwn`${STATUS_EMOJI[d.status]} #${d.id} *${d.service}* → ${d.environment} \`${d.ref}\` ${STATUS_LABEL[d.status].toLowerCase()} · ${mention(d.requestedBy)}${duration ? ` · ${duration}` : ''} · ${date(d.requestedAt)}`;
  });
  blocks.push(...linesToSections(lines));
  const figureLines = figures.map(
    ({ service, environment, metrics: m }) =>
      mrkdwn`*${service} → ${environment}*: ${m.perWeek} deploys/week · change failure rate ${pct(m.changeFailureRate)} · median request→success ${m.medianLeadTimeMs === null ? '—' : formatDuration(m.medianLeadTimeMs)}`,
  );
  if (figureLines.length) blocks.push(...linesToSections([mrkdwn`*Last 28 days*`, ...figureLines]));
  return { text: `${rows.length} recent deploy(s)`, blocks };
}

export interface DeployModalModel {
  services: readonly ServiceConfig[];
  selected: ServiceConfig | null;
  mayBreakGlass: boolean;
  /** JSON carried through views.update and submission (e.g. the channel the command came from). */
  privateMetadata: string;
}

const option = (value: string, text: string, description?: string): PlainTextOption => ({
  text: plain(text),
  value,
  ...(description ? { description: plain(description) } : {}),
});

export function deployModal(model: DeployModalModel): ModalView {
  const serviceOptions = model.services.slice(0, 100).map((s) => option(s.name, s.name, s.description || undefined));
  const selected = model.selected;
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: DEPLOY_IDS.serviceBlock,
      dispatch_action: true,
      label: plain('Service'),
      element: {
        type: 'static_select',
        action_id: DEPLOY_IDS.serviceSelect,
        placeholder: plain('Choose a service'),
        options: serviceOptions,
        ...(selected
          ? { initial_option: option(selected.name, selected.name, selected.description || undefined) }
          : {}),
      },
    },
  ];
  if (selected) {
    blocks.push({
      type: 'input',
      block_id: environmentBlockId(selected.name),
      label: plain('Environment'),
      element: {
        type: 'static_select',
        action_id: DEPLOY_IDS.environmentSelect,
        placeholder: plain('Choose an environment'),
        options: selected.environments.map((e) => option(e, e)),
      },
    });
  } else {
    blocks.push(context(mrkdwn`Choose a service to see the environments it deploys to.`));
  }
  blocks.push(
    {
      type: 'input',
      block_id: DEPLOY_IDS.refBlock,
      label: plain('Ref (branch, tag or SHA)'),
      element: { type: 'plain_text_input', action_id: DEPLOY_IDS.refInput, initial_value: 'main', max_length: 200 },
    },
    {
      type: 'input',
      block_id: DEPLOY_IDS.reasonBlock,
      optional: true,
      label: plain('Reason'),
      element: { type: 'plain_text_input', action_id: DEPLOY_IDS.reasonInput, multiline: true, max_length: 500 },
    },
  );
  if (model.mayBreakGlass) {
    blocks.push({
      type: 'input',
      block_id: DEPLOY_IDS.breakGlassBlock,
      optional: true,
      label: plain('Freeze'),
      element: {
        type: 'checkboxes',
        action_id: DEPLOY_IDS.breakGlassCheckbox,
        options: [option('break-glass', 'Break glass: deploy through a freeze (needs a reason)')],
      },
    });
  }
  return {
    type: 'modal',
    callback_id: DEPLOY_IDS.modal,
    title: plain('Deploy'),
    submit: plain('Deploy'),
    close: plain('Cancel'),
    private_metadata: model.privateMetadata,
    blocks,
  };
}

export const NO_DEPLOYABLE_SERVICE =
  'There is no service you may deploy. Service owners are listed in groundcrew.yml; ask the platform team.';

/** The Home tab's "Deploy…" button (opens the same modal as `/platform deploy`). */
export function homeStartButton(): KnownBlock[] {
  return [
    {
      type: 'actions',
      block_id: DEPLOY_IDS.openModalButton,
      elements: [
        {
          type: 'button',
          action_id: DEPLOY_IDS.openModalButton,
          text: { type: 'plain_text', text: 'Deploy…' },
          style: 'primary',
        },
      ],
    },
  ];
}

export function homeSection(rows: readonly DeployRow[]): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Your recent deploys')];
  if (rows.length === 0) {
    blocks.push(section(mrkdwn`You have not deployed anything yet. Try \`/platform deploy\`.`));
  } else {
    blocks.push(
      ...linesToSections(
        rows.map(
          (d) =>
            mrkdwn`${STATUS_EMOJI[d.status]} #${d.id} *${d.service}* → ${d.environment} \`${d.ref}\` — ${STATUS_LABEL[d.status].toLowerCase()} · ${date(d.requestedAt)}`,
        ),
      ),
    );
  }
  blocks.push({ type: 'divider' });
  return blocks;
}

/** How a deploy describes itself on an approval card (null once it is gone). */
export function approvalView(deploy: DeployRow | null): { title: string; lines: Mrkdwn[] } | null {
  if (!deploy) return null;
  return {
    title: `Deploy ${deploy.service} ${deploy.ref} to ${deploy.environment}`,
    lines: [
      mrkdwn`*Deploy #${deploy.id}*: *${deploy.service}* → *${deploy.environment}*, ref \`${deploy.ref}\``,
      mrkdwn`Requested by ${mention(deploy.requestedBy)}${deploy.reason ? `: ${deploy.reason}` : ''}`,
      ...(deploy.rollbackOf ? [mrkdwn`Rolls back deploy #${deploy.rollbackOf}`] : []),
      ...(deploy.breakGlassReason ? [mrkdwn`:rotating_light: Breaks glass through a freeze`] : []),
    ],
  };
}
