import type { App, BlockAction } from '@slack/bolt';
import { z } from 'zod';
import { isDomainError } from '../../errors.js';
import { ITEM_GONE, parseItemRef, refMatches } from '../../slack/item-ref.js';
import { tell } from '../../slack/tell.js';
import type { SurveysService } from '../service.js';
import { answerView, dmAfter, microAnsweredMessage } from './blocks.js';
import { IDS, MICRO_SCORE_IDS } from './ids.js';

const zSelected = z.object({ selected_option: z.object({ value: z.string() }).nullish() });
const zText = z.object({ value: z.string().nullish() });
const zChecked = z.object({ selected_options: z.array(z.object({ value: z.string() })).nullish() });

/** The DM's buttons (Answer, Not now, Stop asking me) and the answer modal. */
export function registerSurveyListeners(app: App, service: SurveysService): void {
  app.action<BlockAction>(IDS.answer, async ({ ack, body, client, respond }) => {
    await ack();
    const action = body.actions[0];
    const ref = parseItemRef(action && 'value' in action ? action.value : undefined);
    const reply = body.container?.type === 'message' ? respond : undefined;
    const say = (text: string) => tell(client, body.user.id, reply, text);
    const wave = ref ? await service.wave(ref.id) : null;
    if (!ref || !wave || !refMatches(ref, wave)) return say(`:no_entry: ${ITEM_GONE}`);
    const survey = service.surveyById(wave.surveyId);
    if (!survey) return say('This survey is no longer set up.');
    if (!service.takesAnswers(wave)) return say('This survey wave is closed.');
    const invitation = await service.invitation(wave.id, body.user.id);
    if (!invitation) return say('You were not asked in this wave.');
    if (invitation.answered && wave.anonymous) {
      return say('You have answered already. An anonymous answer cannot be changed: nothing links it to you.');
    }
    const previous = wave.anonymous ? null : await service.identifiedAnswer(wave.id, body.user.id);
    await client.views.open({ trigger_id: body.trigger_id, view: answerView(survey, wave, previous) });
  });

  app.action<BlockAction>(IDS.notNow, async ({ ack, body, respond }) => {
    await ack();
    if (body.container?.type !== 'message') return;
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'No problem: you can answer later from here or from the app’s Home tab until the wave closes.',
    });
  });

  app.action<BlockAction>(IDS.stopAsking, async ({ ack, body, client, respond }) => {
    await ack();
    await service.optOut(body.user.id);
    const action = body.actions[0];
    const ref = parseItemRef(action && 'value' in action ? action.value : undefined);
    const wave = ref ? await service.wave(ref.id) : null;
    const survey = wave ? service.surveyById(wave.surveyId) : undefined;
    const message = body.message;
    const channel = body.channel?.id;
    if (wave && survey && message && channel) {
      const after = dmAfter(survey, wave, 'opted-out');
      await client.chat.update({ channel, ts: message.ts, text: after.text, blocks: after.blocks });
    } else {
      await tell(
        client,
        body.user.id,
        body.container?.type === 'message' ? respond : undefined,
        'You will not be asked again.',
      );
    }
  });

  // The micro-pulse DM's 1–5 buttons: counted once, only while the question waits for this person.
  for (const { score, actionId } of MICRO_SCORE_IDS) {
    app.action<BlockAction>(actionId, async ({ ack, body, client, respond }) => {
      await ack();
      const action = body.actions[0];
      const surveyId = action && 'value' in action ? String(action.value ?? '') : '';
      const outcome = await service.micro.answer(surveyId, body.user.id, score);
      const channel = body.channel?.id;
      const message = body.message;
      if (outcome === 'counted' && channel && message) {
        const after = microAnsweredMessage(service.surveyById(surveyId)?.microPulse);
        await client.chat.update({ channel, ts: message.ts, text: after.text, blocks: after.blocks });
        return;
      }
      const reply = body.container?.type === 'message' ? respond : undefined;
      await tell(
        client,
        body.user.id,
        reply,
        outcome === 'counted' ? 'Thank you, your answer is counted.' : 'This question was answered already.',
      );
    });
  }

  app.view(IDS.answerView, async ({ ack, body, view }) => {
    const ref = parseItemRef(view.private_metadata);
    const values = view.state.values;
    const score = zSelected.safeParse(values[IDS.scoreBlock]?.[IDS.scoreAction]);
    const scoreValue = score.success ? score.data.selected_option?.value : undefined;
    if (scoreValue === undefined) {
      await ack({ response_action: 'errors', errors: { [IDS.scoreBlock]: 'Pick a score from 0 to 10.' } });
      return;
    }
    if (!ref) {
      await ack({ response_action: 'errors', errors: { [IDS.scoreBlock]: ITEM_GONE } });
      return;
    }
    const area = zSelected.safeParse(values[IDS.areaBlock]?.[IDS.areaAction]);
    const comment = zText.safeParse(values[IDS.commentBlock]?.[IDS.commentAction]);
    const contact = zChecked.safeParse(values[IDS.contactBlock]?.[IDS.contactAction]);
    let stored: Awaited<ReturnType<SurveysService['answer']>>;
    try {
      stored = await service.answer(ref, body.user.id, {
        score: Number(scoreValue),
        area: (area.success && area.data.selected_option?.value) || null,
        comment: (comment.success && comment.data.value) || null,
        contact: contact.success && (contact.data.selected_options ?? []).some((o) => o.value === 'contact'),
      });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await ack({ response_action: 'errors', errors: { [IDS.scoreBlock]: error.message } });
      return;
    }
    await ack();
    await stored.after();
  });
}
