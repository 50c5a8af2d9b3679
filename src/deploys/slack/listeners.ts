import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { z } from 'zod';
import { isDomainError } from '../../errors.js';
import { parseJson } from '../../json.js';
import type { Logger } from '../../logger.js';
import { ITEM_GONE, parseItemRef, refMatches } from '../../slack/item-ref.js';
import { tellWhereOpened } from '../../slack/tell.js';
import type { Guardrails } from '../guardrails.js';
import { type ProblemField, scopeName } from '../model.js';
import type { DeployService } from '../service.js';
import { deployModal, NO_DEPLOYABLE_SERVICE, requestedReply } from './blocks.js';
import { DEPLOY_IDS, environmentBlockId } from './ids.js';

export interface DeployListenerDeps {
  deploys: DeployService;
  guardrails: Guardrails;
  logger: Logger;
}

const zOption = z.object({ value: z.string() }).nullish();
const zValues = z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown())));

interface ModalFields {
  service: string | null;
  environment: string | null;
  ref: string;
  reason: string | undefined;
  breakGlass: boolean;
}

/** Reads the deploy modal's state; the environment block's ID carries the service it was built for. */
export function readModal(rawValues: unknown): ModalFields {
  const values = zValues.parse(rawValues);
  const pick = (block: string, action: string) => values[block]?.[action];
  const service =
    zOption.parse(pick(DEPLOY_IDS.serviceBlock, DEPLOY_IDS.serviceSelect)?.selected_option)?.value ?? null;
  const envBlock = Object.keys(values).find((k) => k.startsWith(`${DEPLOY_IDS.environmentBlock}.`));
  const environment = envBlock
    ? (zOption.parse(values[envBlock]?.[DEPLOY_IDS.environmentSelect]?.selected_option)?.value ?? null)
    : null;
  const ref = z.string().nullish().parse(pick(DEPLOY_IDS.refBlock, DEPLOY_IDS.refInput)?.value)?.trim() || 'main';
  const reason =
    z.string().nullish().parse(pick(DEPLOY_IDS.reasonBlock, DEPLOY_IDS.reasonInput)?.value)?.trim() || undefined;
  const checked = z
    .array(z.object({ value: z.string() }))
    .nullish()
    .parse(pick(DEPLOY_IDS.breakGlassBlock, DEPLOY_IDS.breakGlassCheckbox)?.selected_options);
  return { service, environment, ref, reason, breakGlass: Boolean(checked?.some((o) => o.value === 'break-glass')) };
}

const zMetadata = z.object({ channel: z.string().optional() }).catch({});

/**
 * The deploy a status-message button names: its id (NaN when the value is unreadable, which the service refuses as
 * malformed), and whether the reference belongs to another item than the deploy now under that id.
 */
async function namedDeploy(deploys: DeployService, value: string | undefined): Promise<{ id: number; gone: boolean }> {
  const ref = parseItemRef(value);
  if (!ref) return { id: Number.NaN, gone: false };
  const deploy = await deploys.get(ref.id);
  return { id: ref.id, gone: deploy !== null && !refMatches(ref, deploy) };
}

async function ephemeral(respond: RespondFn, text: string) {
  await respond({ response_type: 'ephemeral', replace_original: false, text });
}

export function registerDeployListeners(app: App, deps: DeployListenerDeps): void {
  const { deploys, guardrails, logger } = deps;

  // The service select dispatches: rebuild the modal with that service's environments.
  // "Deploy…" on the Home tab: the same modal as `/platform deploy` without arguments.
  app.action<BlockAction>(DEPLOY_IDS.openModalButton, async ({ ack, body, client }) => {
    await ack();
    const userId = body.user.id;
    const services = await deploys.deployableFor(userId);
    if (services.length === 0) {
      await client.chat.postMessage({ channel: userId, text: NO_DEPLOYABLE_SERVICE });
      return;
    }
    await client.views.open({
      trigger_id: body.trigger_id,
      view: deployModal({
        services,
        selected: services.length === 1 ? services[0]! : null,
        mayBreakGlass: await deploys.mayBreakGlass(userId),
        privateMetadata: JSON.stringify({}),
      }),
    });
  });

  app.action<BlockAction>(DEPLOY_IDS.serviceSelect, async ({ ack, body, client }) => {
    await ack();
    const view = body.view;
    if (!view) return;
    const fields = readModal(view.state.values);
    const services = await deploys.deployableFor(body.user.id);
    const selected = services.find((s) => s.name === fields.service) ?? null;
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: deployModal({
        services,
        selected,
        mayBreakGlass: await deploys.mayBreakGlass(body.user.id),
        privateMetadata: view.private_metadata,
      }),
    });
  });

  app.view(DEPLOY_IDS.modal, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const fields = readModal(view.state.values);
    const envBlock = environmentBlockId(fields.service ?? '');
    const blockFor: Record<ProblemField, string> = {
      service: DEPLOY_IDS.serviceBlock,
      environment: fields.service ? envBlock : DEPLOY_IDS.serviceBlock,
      ref: DEPLOY_IDS.refBlock,
      reason: DEPLOY_IDS.reasonBlock,
    };
    if (!fields.service)
      return ack({ response_action: 'errors', errors: { [DEPLOY_IDS.serviceBlock]: 'Choose a service.' } });
    if (!fields.environment)
      return ack({ response_action: 'errors', errors: { [envBlock]: 'Choose an environment.' } });
    const input = {
      service: fields.service,
      environment: fields.environment,
      ref: fields.ref,
      reason: fields.reason,
      breakGlass: fields.breakGlass,
    };
    const result = await deploys.check(userId, input, { surface: 'form' });
    if (!result.ok) {
      const errors: Record<string, string> = {};
      for (const problem of result.problems) {
        const block = blockFor[problem.field];
        errors[block] = errors[block] ? `${errors[block]} ${problem.message}` : problem.message;
      }
      for (const key of Object.keys(errors))
        errors[key] = errors[key]!.replace(/<@([UW][A-Z0-9]+)>/g, '@$1').slice(0, 2000);
      return ack({ response_action: 'errors', errors });
    }
    await ack();
    const metadata = zMetadata.parse(parseJson(view.private_metadata) ?? {});
    let text: string;
    try {
      // A replayed submission (same view) finds the deploy it made instead of making another.
      const { deploy } = await deploys.request(userId, { ...input, requestKey: `view:${view.id}` }, result);
      text = requestedReply(deploy);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      text = `:no_entry: Cannot deploy ${input.service} → ${input.environment}:\n${error.message}`;
    }
    await tellWhereOpened(client, logger, { source: 'deploys', userId, channel: metadata.channel, text, orDm: true });
  });

  app.action<BlockAction<ButtonAction>>(DEPLOY_IDS.cancelButton, async ({ ack, body, action, respond }) => {
    await ack();
    const named = await namedDeploy(deploys, action.value);
    if (named.gone) return ephemeral(respond, `:warning: ${ITEM_GONE}`);
    try {
      await deploys.cancel(named.id, body.user.id);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await ephemeral(respond, `:warning: ${error.message}`);
    }
  });

  app.action<BlockAction<ButtonAction>>(DEPLOY_IDS.rollbackButton, async ({ ack, body, action, respond }) => {
    await ack();
    const named = await namedDeploy(deploys, action.value);
    if (named.gone) return ephemeral(respond, `:no_entry: ${ITEM_GONE}`);
    try {
      const { deploy } = await deploys.rollback(body.user.id, { deployId: named.id });
      await ephemeral(respond, requestedReply(deploy));
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await ephemeral(respond, `:no_entry: Cannot roll back:\n${error.message}`);
    }
  });

  app.action<BlockAction<ButtonAction>>(DEPLOY_IDS.notifyWhenFree, async ({ ack, body, action, respond }) => {
    await ack();
    try {
      const ref = parseItemRef(action.value);
      if (!ref)
        return ephemeral(respond, ':information_source: That button does not name a lock; use `/platform locks`.');
      const lock = await guardrails.watch(ref, body.user.id);
      if (!lock) return ephemeral(respond, `:information_source: ${ITEM_GONE}`);
      const what = scopeName(lock.environment, lock.service);
      await ephemeral(respond, `:bell: I'll DM you when ${what} is free.`);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await ephemeral(respond, `:information_source: ${error.message}`);
    }
  });
}
