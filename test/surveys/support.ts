import { afterEach, expect } from 'vitest';
import { capabilities } from '../../src/capabilities.js';
import { createSurveysCapability } from '../../src/surveys/capability.js';
import type { PaceLimits } from '../../src/surveys/pacing.js';
import { IDS } from '../../src/surveys/slack/ids.js';
import { type ApiCall, SLACK_HOST } from '../support/fake-slack.js';
import { ADMIN, ackBody, startTestApp, type TestApp, type TestAppOptions } from '../support/harness.js';
import { messageButton, type ViewStateValue, viewSubmission } from '../support/payloads.js';
import { eventually } from '../support/wait.js';

export const RESULTS = 'C0RESULTS1';
export const AUDIENCE_CHANNEL = 'C0PLATUSE1';
export const UPLOAD_HOST = 'http://files.test';
export const PEOPLE = ['U0ALICE001', 'U0BOB0001', 'U0CAROL001', 'U0DAVE0001', 'U0ERIN0001', 'U0FRANK001'];

export function surveySection(overrides: Record<string, unknown> = {}) {
  return {
    id: 'platform-nps',
    followUps: { comment: true, area: ['CI/CD', 'deploys', 'docs'] },
    audience: [AUDIENCE_CHANNEL],
    openFor: '7d',
    reminders: ['3d', '5d'],
    minGroupSize: 3,
    resultsChannel: RESULTS,
    ...overrides,
  };
}

export interface SurveyApp extends TestApp {
  /** The bytes POSTed to the upload URL files.getUploadURLExternal handed out, in order. */
  uploads: Buffer[];
}

/** The app with surveys configured; the audience channel has `members` (default PEOPLE). */
export async function startSurveyApp(
  options: Omit<TestAppOptions, 'team'> & {
    surveys?: Record<string, unknown>[];
    /** Other capabilities' groundcrew.yml sections, next to surveys. */
    team?: Record<string, unknown>;
    members?: string[];
    limits?: PaceLimits;
  } = {},
): Promise<SurveyApp> {
  const uploads: Buffer[] = [];
  const uploadFetch: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(UPLOAD_HOST)) {
      uploads.push(Buffer.from(init?.body as Uint8Array));
      return new Response('OK - 1234', { status: 200 });
    }
    return (options.fetch ?? globalThis.fetch)(input, init);
  };
  const { surveys, team, members, limits, ...rest } = options;
  const app = await startTestApp({
    ...rest,
    fetch: uploadFetch,
    team: { ...team, surveys: surveys ?? [surveySection()] },
    capabilities: capabilities.map((c) =>
      c.name === 'surveys' ? createSurveysCapability(limits ? { limits } : {}) : c,
    ),
  });
  const channelMembers = members ?? PEOPLE;
  let files = 0;
  app.slack
    .on('conversations.members', () => ({ ok: true, members: channelMembers, response_metadata: { next_cursor: '' } }))
    .on('files.getUploadURLExternal', () => ({
      ok: true,
      upload_url: `${UPLOAD_HOST}/upload/v1/F${++files}`,
      file_id: `F0CHART00${files}`,
    }))
    .on('files.completeUploadExternal', (args) => ({ ok: true, files: args.files }));
  return Object.assign(app, { uploads });
}

export const SLACK = SLACK_HOST;

/** Wave DMs (and reminders) sent to `userId`. */
export function dmsTo(app: TestApp, userId: string): ApiCall[] {
  return app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === userId);
}

/** The value of the "Answer" button in a DM. */
export function answerRef(dm: ApiCall): string {
  const blocks = dm.args.blocks as { elements?: { action_id: string; value: string }[] }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === IDS.answer);
  if (!button) throw new Error('no Answer button in the DM');
  return button.value;
}

export function clickDm(app: TestApp, userId: string, actionId: string, ref: string) {
  return app.interact(
    messageButton({ userId, actionId, value: ref, channelId: `D${userId.slice(1)}`, messageTs: '1767225600.000001' }),
  );
}

const picked = (value: string): ViewStateValue => ({
  type: 'static_select',
  selected_option: { text: { type: 'plain_text', text: value }, value },
});

export function answerValues(answer: { score: number; area?: string; comment?: string; contact?: boolean }) {
  return {
    [IDS.scoreBlock]: { [IDS.scoreAction]: picked(String(answer.score)) },
    [IDS.commentBlock]: { [IDS.commentAction]: { type: 'plain_text_input', value: answer.comment ?? null } },
    [IDS.areaBlock]: {
      [IDS.areaAction]: answer.area ? picked(answer.area) : { type: 'static_select', selected_option: null },
    },
    [IDS.contactBlock]: {
      [IDS.contactAction]: {
        type: 'checkboxes',
        selected_options: answer.contact
          ? [{ text: { type: 'plain_text' as const, text: 'contact' }, value: 'contact' }]
          : [],
      },
    },
  };
}

/** Submits the answer modal for the wave `ref`. */
export function submitAnswer(
  app: TestApp,
  userId: string,
  ref: string,
  answer: { score: number; area?: string; comment?: string; contact?: boolean },
) {
  return app.interact(
    viewSubmission({ userId, callbackId: IDS.answerView, privateMetadata: ref, values: answerValues(answer) }),
  );
}

export { ADMIN };

/**
 * The setup every survey test file shares: the app a test runs is stopped after it. `apps.start(options)` starts a
 * survey app, `apps.track(app)` takes one started otherwise, `apps.stop()` stops it now (a restart).
 */
export function stopAppAfterEach() {
  let current: { stop(): Promise<void> } | undefined;
  const stop = async () => {
    const app = current;
    current = undefined;
    await app?.stop();
  };
  afterEach(stop);
  return {
    async start(options: Parameters<typeof startSurveyApp>[0] = {}): Promise<SurveyApp> {
      const app = await startSurveyApp(options);
      current = app;
      return app;
    },
    track<T extends { stop(): Promise<void> }>(app: T): T {
      current = app;
      return app;
    },
    stop,
  };
}

/**
 * `/platform survey start <survey>` by an admin, then waits until each of `people` got one more DM; returns the
 * Answer button's value of the new wave (from the first person's DM).
 */
export async function startWave(app: TestApp, people: readonly string[] = PEOPLE, survey = 'platform-nps') {
  const before = new Map(people.map((p) => [p, dmsTo(app, p).length]));
  const opened = (c: ApiCall) => String(c.args.text).includes('is open');
  const repliedLater = app.slack.callsTo('response_url').filter(opened).length;
  const reply = await ackBody(await app.command(`survey start ${survey}`, { user_id: ADMIN }));
  // A start slower than the router's 2 s ack deadline (a loaded machine) answers through response_url instead.
  const text =
    reply?.text ?? (await app.slack.waitFor('response_url', opened, { count: repliedLater + 1 })).at(-1)?.args.text;
  expect(String(text)).toContain('is open');
  for (const p of people) await eventually(() => expect(dmsTo(app, p).length).toBe(before.get(p)! + 1));
  return answerRef(dmsTo(app, people[0]!).at(-1)!);
}
