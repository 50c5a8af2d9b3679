import { describe, expect, it } from 'vitest';
import type { SurveyConfig } from '../../src/surveys/config.js';
import { commentReplies, contactMessage } from '../../src/surveys/slack/blocks.js';
import { ackBody, blockText } from '../support/harness.js';
import { eventually, settled } from '../support/wait.js';
import { ADMIN, answerRef, dmsTo, RESULTS, stopAppAfterEach, submitAnswer, surveySection } from './support.js';

const apps = stopAppAfterEach();

const people = (n: number) => Array.from({ length: n }, (_, i) => `U0P${String(i).padStart(7, '0')}`);
type Block = { type: string; text?: { text: string }; elements?: { text: string }[] };

function checkLimits(blocks: Block[]) {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const b of blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
}

describe('survey comments in the results', () => {
  it('every shown comment reaches the results thread, within Slack limits, none cut', async () => {
    const audience = people(13);
    const app = await apps.start({ members: audience, surveys: [surveySection({ minGroupSize: 3 })] });
    const reply = await ackBody(await app.command('survey start platform-nps', { user_id: ADMIN }));
    expect(reply?.text).toContain('is open');
    for (const p of audience) await eventually(() => expect(dmsTo(app, p)).toHaveLength(1));
    const ref = answerRef(dmsTo(app, audience[0]!)[0]!);
    // 12 comments of about 600 characters each (7,200 in all), and one of 1,000 `<` (4,000 once escaped).
    const comments = audience
      .slice(0, 12)
      .map((_, i) => `Comment ${String.fromCharCode(65 + i)} ${'x'.repeat(590)} end${i}`);
    for (const [i, comment] of comments.entries()) await submitAnswer(app, audience[i]!, ref, { score: 8, comment });
    await submitAnswer(app, audience[12]!, ref, { score: 9, comment: '<'.repeat(1000) });
    await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    await eventually(() =>
      expect(app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === RESULTS).length).toBeGreaterThan(1),
    );
    await settled(app);
    const posts = app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === RESULTS);
    const [post, ...replies] = posts;
    expect(blockText(post!.args.blocks)).toContain('*Comments*: 13');
    expect(replies.length).toBeGreaterThan(0);
    for (const r of replies) expect(r.args.thread_ts).toBe(replies[0]!.args.thread_ts);
    expect(replies[0]!.args.thread_ts).toBeTruthy();
    for (const p of posts) checkLimits(p.args.blocks as Block[]);
    const all = replies.map((r) => blockText(r.args.blocks)).join('\n');
    for (const c of comments) expect(all).toContain(c);
    // The long one is split over sections, all of it there.
    expect(all.replace(/…\n> …/g, '').split('&lt;').length - 1).toBe(1000);
  });

  it('packs many long comments into replies of at most 50 blocks', () => {
    const wave = { number: 3 } as Parameters<typeof commentReplies>[0];
    const comments = Array.from({ length: 200 }, (_, i) => `${i} ${'&'.repeat(995)}`);
    const replies = commentReplies(wave, comments);
    expect(replies.length).toBeGreaterThan(1);
    for (const r of replies) checkLimits(r.blocks as Block[]);
    const text = replies
      .flatMap((r) => (r.blocks as Block[]).filter((b) => b.type === 'section').map((b) => b.text!.text))
      .join('\n')
      .replace(/…\n> …/g, '');
    for (let i = 0; i < 200; i++) expect(text).toContain(`> ${i} ${'&amp;'.repeat(995)}`);
  });

  it('the "happy to be contacted" DM keeps every section under 3,000 characters, the comment whole', () => {
    const survey = { id: 'platform-nps' } as SurveyConfig;
    const message = contactMessage('U0ALICE001', survey, { score: 2, area: 'docs', comment: '<'.repeat(1000) });
    checkLimits(message.blocks as Block[]);
    const text = (message.blocks as Block[]).map((b) => b.text!.text).join('\n');
    expect(text).toContain('<@U0ALICE001> is happy to be contacted');
    expect(text.replace(/…\n> …/g, '').split('&lt;').length - 1).toBe(1000);
  });
});
