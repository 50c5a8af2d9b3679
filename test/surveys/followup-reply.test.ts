import { describe, expect, it } from 'vitest';
import { ackBody, blockText } from '../support/harness.js';
import { settled } from '../support/wait.js';
import { ADMIN, RESULTS, startWave, stopAppAfterEach } from './support.js';

const apps = stopAppAfterEach();

const followUp = async (app: Awaited<ReturnType<typeof apps.start>>, text: string) =>
  String((await ackBody(await app.command(`survey followup platform-nps "${text}"`, { user_id: ADMIN })))?.text);
const postsTo = (app: Awaited<ReturnType<typeof apps.start>>, text: string) =>
  app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === RESULTS && String(c.args.text).includes(text));

describe('/platform survey followup: its reply says where the follow-up went', () => {
  it('refuses a follow-up over 2,000 characters whole (giving the text back), and takes one of 2,000 untruncated', async () => {
    const app = await apps.start();
    await startWave(app);
    await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS && c.args.thread_ts === undefined);
    await settled(app);

    const long = `${'We moved CI to bigger runners. '.repeat(70)}`.slice(0, 2001);
    const refused = await followUp(app, long);
    expect(refused).toContain('2,001 characters');
    expect(refused).toContain('the most is 2,000');
    expect(refused).toContain('Nothing was saved');
    expect(refused).toContain(long.trim());
    await settled(app);
    expect(postsTo(app, 'We moved CI')).toEqual([]);

    const exact = `${long.slice(0, 1999)}!`;
    const saved = await followUp(app, exact);
    expect(saved).toContain('Follow-up saved on wave 1');
    expect(saved).toContain('posted in its results thread');
    const [post] = await app.slack.waitFor('chat.postMessage', (c) => String(c.args.text).includes('We moved CI'));
    expect(post!.args.thread_ts).toBeDefined();
    expect(blockText(post!.args.blocks)).toContain(exact.trim());
  });

  it('does not claim "posted in its results thread" when the post failed or the wave has no results post', async () => {
    const app = await apps.start();
    await startWave(app);
    await settled(app);
    // The close's results post and the first follow-up's post are refused.
    app.slack.refuse('chat.postMessage', (args) => args.channel === RESULTS, 'not_in_channel', 2);
    expect(await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }))).toBeNull();
    await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('closed'));
    await settled(app);

    const failed = await followUp(app, 'Faster builds');
    expect(failed).toContain('Follow-up saved on wave 1');
    expect(failed).toContain(`could not be posted in <#${RESULTS}>`);
    expect(failed).not.toContain('posted in its results thread');

    // The bot can post again, the wave still has no results post: the follow-up goes to the channel itself.
    const channel = await followUp(app, 'Faster builds, really');
    expect(channel).toContain(`posted in <#${RESULTS}> (the wave has no results post`);
    expect(channel).not.toContain('results thread');
    const [post] = await app.slack.waitFor('chat.postMessage', (c) => String(c.args.text).includes('really'));
    expect(post!.args.channel).toBe(RESULTS);
    expect(post!.args.thread_ts).toBeUndefined();
  });
});
