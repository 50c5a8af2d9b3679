import { describe, expect, it } from 'vitest';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { surveyWavesTable } from '../../src/surveys/schema.js';
import { IDS } from '../../src/surveys/slack/ids.js';
import { ackBody, blockText, ENGINEER } from '../support/harness.js';
import { eventually, settled } from '../support/wait.js';
import { ADMIN, answerRef, clickDm, dmsTo, PEOPLE, RESULTS, stopAppAfterEach, submitAnswer } from './support.js';

const apps = stopAppAfterEach();

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('a survey wave: start, answer, close, results', () => {
  it('DMs the audience, takes answers in the modal, and posts the results with the PNG trend chart', async () => {
    const app = await apps.start();
    const started = await ackBody(await app.command('survey start platform-nps', { user_id: ADMIN }));
    expect(started?.text).toContain('Wave 1 of `platform-nps` is open: 6 people');
    for (const person of PEOPLE) await eventually(() => expect(dmsTo(app, person)).toHaveLength(1));
    const dm = dmsTo(app, PEOPLE[0]!)[0]!;
    expect(blockText(dm.args.blocks)).toContain('How likely are you to recommend the platform to a colleague?');
    expect(blockText(dm.args.blocks)).toContain('Stop asking me');

    // The Answer button opens the modal: score, comment, area, consent, and it says the answer cannot be changed.
    const ref = answerRef(dm);
    await clickDm(app, PEOPLE[0]!, IDS.answer, ref);
    const opened = await app.slack.waitFor('views.open');
    const modal = opened[0]!.args.view as { callback_id: string; blocks: { block_id: string }[] };
    expect(modal.callback_id).toBe(IDS.answerView);
    expect(modal.blocks.map((b) => b.block_id).filter(Boolean)).toEqual([
      IDS.scoreBlock,
      IDS.commentBlock,
      IDS.areaBlock,
      IDS.contactBlock,
    ]);
    expect(blockText(modal.blocks)).toContain('cannot be changed');

    // Nothing is shown while the wave is open.
    const early = await ackBody(await app.command('survey results platform-nps', { user_id: ADMIN }));
    expect(early?.text).toContain('No wave of this survey has closed yet');

    const answers = [
      { score: 10, area: 'CI/CD', comment: 'Fast pipelines' },
      { score: 9, area: 'CI/CD' },
      { score: 9, area: 'CI/CD', comment: 'Good docs' },
      { score: 6, area: 'docs', comment: 'Docs are stale' },
      { score: 8, area: 'docs' },
      { score: 7, area: 'docs' },
    ];
    for (const [i, answer] of answers.entries()) {
      const response = await submitAnswer(app, PEOPLE[i]!, ref, answer);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('');
    }
    // A second anonymous answer from the same person is refused in the modal.
    const again = await ackBody(await submitAnswer(app, PEOPLE[0]!, ref, { score: 0 }));
    expect(JSON.stringify(again)).toContain('cannot be changed');

    const closed = await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    expect(closed).toBeNull();
    const post = (await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS))[0]!;
    const shown = blockText(post.args.blocks);
    // 3 promoters, 2 passives, 1 detractor of 6: NPS = 50 − 16.7 = 33; everyone answered.
    expect(shown).toContain('*NPS 33*');
    expect(shown).toContain('Promoters (9–10): 3 · Passives (7–8): 2 · Detractors (0–6): 1');
    expect(shown).toContain('6 of 6 answered (100%)');
    expect(shown).not.toContain(':warning:');
    expect(shown).toContain('CI/CD: NPS 100 (3 answers)');
    expect(shown).toContain('docs: NPS -33 (3 answers)');
    // The post counts the comments; they follow in its thread, sorted, nothing attached.
    expect(shown).toContain('*Comments*: 3');
    const [comments] = await app.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === RESULTS && c.args.thread_ts !== undefined && blockText(c.args.blocks).includes('> '),
    );
    const listed = blockText(comments!.args.blocks);
    expect(listed.indexOf('Docs are stale')).toBeGreaterThan(-1);
    expect(listed.indexOf('Docs are stale')).toBeLessThan(listed.indexOf('Fast pipelines'));
    expect(listed.indexOf('Fast pipelines')).toBeLessThan(listed.indexOf('Good docs'));

    // The chart: uploaded with the current flow into the results thread, real PNG bytes of a sensible size.
    const complete = (await app.slack.waitFor('files.completeUploadExternal'))[0]!;
    expect(complete.args.channel_id).toBe(RESULTS);
    const wave = await eventually(async () => {
      const [row] = await orm(app.database).select().from(twin(app.database, surveyWavesTable));
      expect(row?.resultsChannel).toBe(RESULTS);
      return row;
    });
    expect(complete.args.thread_ts).toBe(wave?.resultsTs);
    const url = app.slack.callsTo('files.getUploadURLExternal')[0]!;
    expect(app.uploads).toHaveLength(1);
    const png = app.uploads[0]!;
    expect(Number(url.args.length)).toBe(png.length);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.length).toBeGreaterThan(5_000);
    expect(png.length).toBeLessThan(500_000);
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(200);

    const results = await ackBody(await app.command('survey results platform-nps', { user_id: ADMIN }));
    expect(blockText(results?.blocks)).toContain('*NPS 33*');

    await settled(app);
    const audit = (await app.groundcrew.services.audit.latest(10)).map((r) => `${r.actor} ${r.action} ${r.outcome}`);
    expect(audit).toEqual([`${ADMIN} surveys.close ok`, `${ADMIN} surveys.start ok`]);
  });

  it('refuses survey admin commands to members and shows nothing of an open wave', async () => {
    const app = await apps.start();
    const refused = await ackBody(await app.command('survey start platform-nps', { user_id: ENGINEER }));
    expect(refused?.text).toMatch(/admin/i);
    await settled(app);
    expect(app.slack.callsTo('chat.postMessage')).toEqual([]);
  });
});
