import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTeamConfig } from '../../src/config.js';
import { createSilentLogger } from '../../src/logger.js';
import { DEMO_SECRET, demoTeamObject, loadDemoTeam } from '../../src/playground/demo.js';
import { decodeApiBody, slackRequestHeaders, slackSignature } from '../../src/playground/form.js';
import { type Playground, playgroundPort, startPlayground } from '../../src/playground/index.js';
import { loopbackOnly } from '../../src/playground/routes.js';
import { jumpSummary } from '../../src/playground/time.js';
import { encodeRequest, sendToApp } from '../../src/playground/transport.js';
import { wantsPlayground } from '../../src/run-mode.js';
import { SIGNATURE_HEADER, signBody, verifyBody } from '../../src/webhooks/signing.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('mode selection', () => {
  it('is a playground with --playground, or with none of the Slack variables (blank = unset)', () => {
    expect(wantsPlayground([], {})).toBe(true);
    expect(wantsPlayground([], { SLACK_BOT_TOKEN: ' ', SLACK_SIGNING_SECRET: '' })).toBe(true);
    expect(wantsPlayground(['--playground'], { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toBe(true);
  });

  it('is not a playground when any Slack variable is set (a half-configured install must fail, not pretend)', () => {
    expect(wantsPlayground([], { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toBe(false);
    expect(wantsPlayground([], { SLACK_SIGNING_SECRET: 's' })).toBe(false);
    expect(wantsPlayground([], { SLACK_APP_TOKEN: 'xapp-1' })).toBe(false);
  });
});

describe('normal mode', () => {
  it('never loads the stand-in: only main.ts reaches into src/playground (index.js, lazily)', () => {
    const src = join(ROOT, 'src');
    const imports: string[] = [];
    for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.startsWith('playground/')) continue;
      const text = readFileSync(join(src, file), 'utf8');
      for (const match of text.matchAll(/(await import\(|from )'([^']*playground\/[^']*)'/g)) {
        imports.push(`${file}: ${match[1] === 'from ' ? 'static' : 'dynamic'} ${match[2]}`);
      }
    }
    expect(imports.sort()).toEqual(['main.ts: dynamic ./playground/index.js']);
  });
});

describe('Slack wire formats', () => {
  it('signs like Slack (the documented test vector)', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
    const headers = slackRequestHeaders('s3cret', body, 'application/x-www-form-urlencoded', 1531420618);
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(headers['x-slack-request-timestamp']).toBe('1531420618');
    expect(headers['x-slack-signature']).toBe(slackSignature('s3cret', 1531420618, body));
  });

  it('encodes commands as flat form fields, interactivity as payload=JSON, events as JSON', () => {
    expect(encodeRequest({ kind: 'form', fields: { command: '/platform', text: 'deploy api' } }).body).toBe(
      'command=%2Fplatform&text=deploy+api',
    );
    const interactive = encodeRequest({ kind: 'payload', payload: { type: 'block_actions', n: 1 } });
    expect(interactive.contentType).toBe('application/x-www-form-urlencoded');
    expect(JSON.parse(new URLSearchParams(interactive.body).get('payload')!)).toEqual({ type: 'block_actions', n: 1 });
    const event = encodeRequest({ kind: 'json', payload: { type: 'event_callback' } });
    expect(event).toEqual({ body: '{"type":"event_callback"}', contentType: 'application/json' });
  });

  it('decodes Web API form bodies with JSON inside the form, and JSON bodies', () => {
    const form = new URLSearchParams({
      channel: 'C0DEPLOYS',
      text: '[not json] *bold*',
      blocks: JSON.stringify([{ type: 'divider' }]),
      view: JSON.stringify({ type: 'modal', title: { type: 'plain_text', text: 'Deploy' } }),
      unfurl_links: 'false',
    }).toString();
    expect(decodeApiBody(form, 'application/x-www-form-urlencoded')).toEqual({
      channel: 'C0DEPLOYS',
      text: '[not json] *bold*',
      blocks: [{ type: 'divider' }],
      view: { type: 'modal', title: { type: 'plain_text', text: 'Deploy' } },
      unfurl_links: 'false',
    });
    expect(decodeApiBody('{"channel":"C0HELP","blocks":[]}', 'application/json; charset=utf-8')).toEqual({
      channel: 'C0HELP',
      blocks: [],
    });
  });

  it('answers 403 to anything not from loopback', async () => {
    let status = 0;
    let ran = false;
    const handler = loopbackOnly(() => {
      ran = true;
    });
    const res = {
      headersSent: false,
      writeHead(code: number) {
        status = code;
      },
      end() {},
    } as unknown as ServerResponse;
    handler({ socket: { remoteAddress: '10.1.2.3' } } as unknown as IncomingMessage, res);
    expect(status).toBe(403);
    expect(ran).toBe(false);
    handler({ socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage, res);
    expect(ran).toBe(true);
  });

  it('answers 403 to a foreign Host (DNS rebinding) or Origin (another site posting), not to loopback names', () => {
    const outcomes: Array<number | 'ran'> = [];
    const handler = loopbackOnly(() => {
      outcomes.push('ran');
    });
    const res = {
      headersSent: false,
      writeHead(code: number) {
        outcomes.push(code);
      },
      end() {},
    } as unknown as ServerResponse;
    const send = (headers: Record<string, string>) =>
      handler({ socket: { remoteAddress: '127.0.0.1' }, headers } as unknown as IncomingMessage, res);
    send({ host: 'evil.example:3000' });
    send({ host: '127.0.0.1:3000', origin: 'https://evil.example' });
    send({ host: 'localhost:3000', origin: 'http://localhost:3000' });
    send({ host: '[::1]:3000' });
    expect(outcomes).toEqual([403, 403, 'ran', 'ran']);
  });
});

describe('the demo team file', () => {
  it('is valid against the product schema as it is now (every section, nothing dropped)', () => {
    const team = validateTeamConfig(demoTeamObject('http://127.0.0.1:3000'), 'demo.yml');
    expect(team.admins).toEqual(['U0ADMIN']);
    expect(team.deploys).toBeDefined();
    expect(team.requests).toBeDefined();
  });
});

describe('the demo freeze', () => {
  it('starts a day after start-up, on the hour in the team zone, and lasts a day, whatever the weekday', () => {
    // A Saturday 11:20 in Berlin: nothing is frozen now (a newcomer's first production deploy works on weekends).
    const team = demoTeamObject('http://127.0.0.1:3000', undefined, new Date('2026-11-28T10:20:00Z')) as {
      deploys: { freezes: { windows: unknown[]; recurring?: unknown[] } };
    };
    expect(team.deploys.freezes.windows).toEqual([
      { from: '2026-11-29 11:00', to: '2026-11-30 11:00', reason: 'release freeze', environments: ['production'] },
    ]);
    expect(team.deploys.freezes.recurring ?? []).toEqual([]);
  });
});

describe('PORT in playground mode', () => {
  it('is 3000 when unset or blank, any free port for 0, and a readable error for anything else', () => {
    expect(playgroundPort(undefined)).toBe(3000);
    expect(playgroundPort(' ')).toBe(3000);
    expect(playgroundPort('0')).toBe(0);
    expect(playgroundPort('3001')).toBe(3001);
    expect(() => playgroundPort('abc')).toThrow('PORT must be a port number (0–65535), not "abc"');
    expect(() => playgroundPort('70000')).toThrow(/not "70000"/);
  });
});

describe('the demo team loader', () => {
  it('still starts without a section that no longer matches its schema, and says which', () => {
    const warnings: string[] = [];
    const logger = { ...createSilentLogger(), warn: (...args: unknown[]) => warnings.push(args.join(' ')) };
    const text = 'admins: [U0ADMIN]\nplatformTeam: [S0PLATFORM]\ndeploys:\n  channel: "#deploys"\n';
    const team = loadDemoTeam('http://127.0.0.1:3000', logger, text);
    expect(team.deploys).toBeUndefined();
    expect(warnings[0]).toContain('leaving out deploys');
    expect(warnings.join('\n')).toContain('demo.yml: deploys.channel');
    expect(() => loadDemoTeam('http://127.0.0.1:3000', logger, 'admins: [nobody]\n')).toThrow(/admins\[0\]/);
  });
});

describe('a running playground', () => {
  let playground: Playground;
  beforeAll(async () => {
    playground = await startPlayground({
      env: { PORT: '0' },
      logger: createSilentLogger(),
      startAt: '2026-11-23T10:00:00Z',
      flowing: false,
    });
  });
  afterAll(async () => {
    await playground?.stop(2000);
  });

  const base = () => playground.url.replace(/\/playground$/, '');
  const ui = (action: string, body: object) =>
    fetch(`${base()}/playground/ui/${action}`, { method: 'POST', body: JSON.stringify(body) });

  it('listens on loopback only', () => {
    expect(playground.listening?.address).toBe('127.0.0.1');
    expect(playground.url).toBe(`http://127.0.0.1:${playground.listening?.port}/playground`);
  });

  it('serves the page and its scripts', async () => {
    const page = await fetch(playground.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('not connected to Slack');
    for (const file of [
      'app.js',
      'state.js',
      'draw.js',
      'blocks.js',
      'messages.js',
      'modal.js',
      'mrkdwn.js',
      'style.css',
    ]) {
      expect((await fetch(`${base()}/playground/static/${file}`)).status).toBe(200);
    }
    expect((await fetch(`${base()}/playground/static/..%2Fdemo.ts`)).status).toBe(404);
  });

  it('answers a page from before a restart at once (new boot id) instead of holding its long-poll', async () => {
    type State = { boot: string; version: number };
    const state = (await (await fetch(`${base()}/playground/state?user=U0ENGINEER`)).json()) as State;
    expect(state.boot).toMatch(/^[0-9a-f-]{36}$/);
    const started = Date.now();
    // The page remembers version 999 and the boot id of a process that is gone: it must not wait 25 s.
    const stale = (await (
      await fetch(`${base()}/playground/state?user=U0ENGINEER&since=999&boot=an-earlier-run`)
    ).json()) as State;
    expect(stale).toMatchObject({ boot: state.boot, version: state.version });
    const ahead = await fetch(`${base()}/playground/state?user=U0ENGINEER&since=999&boot=${state.boot}`);
    expect(ahead.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('runs a slash command through the real app: signed form post, ack body shown as an ephemeral', async () => {
    expect((await ui('command', { user: 'U0ENGINEER', channel: 'C0HELP', text: '/platform help' })).status).toBe(200);
    const reply = playground.workspace.messages.find((m) => m.bot && m.visibleTo === 'U0ENGINEER');
    expect(reply?.channel).toBe('C0HELP');
    expect(reply?.text).toContain('/platform commands');
    const state = (await (await fetch(`${base()}/playground/state?user=U0APPROVER`)).json()) as {
      messages: { visibleTo?: string }[];
    };
    expect(state.messages.some((m) => m.visibleTo === 'U0ENGINEER')).toBe(false);
  });

  it('lets people post in channels and their own DM only; a plain message reaches the app as a message event', async () => {
    expect((await ui('message', { user: 'U0ENGINEER', channel: 'D0APPROVER', text: 'hi' })).status).toBe(400);
    expect((await ui('command', { user: 'U0ENGINEER', channel: 'D0APPROVER', text: '/platform help' })).status).toBe(
      400,
    );
    const seen: string[] = [];
    playground.groundcrew.slack.app.message(/playground-probe/, async ({ message }) => {
      if ('text' in message && message.text) seen.push(`${message.channel}:${message.text}`);
    });
    expect((await ui('message', { user: 'U0ENGINEER', channel: 'C0HELP', text: 'playground-probe 1' })).status).toBe(
      200,
    );
    await expect.poll(() => seen).toEqual(['C0HELP:playground-probe 1']);
  });

  it('is refused by the app when the signature is wrong (Bolt answers 401)', async () => {
    const response = await sendToApp(
      { eventsUrl: () => `${base()}/slack/events`, signingSecret: 'not-the-secret', workspace: playground.workspace },
      { kind: 'form', fields: { command: '/platform', text: 'help' } },
      'forged',
    );
    expect(response.status).toBe(401);
  });

  it('answers the real WebClient like Slack: DMs by user id, edits need the conversation id, triggers once', async () => {
    const client = playground.groundcrew.slack.client;
    const posted = await client.chat.postMessage({ channel: 'U0APPROVER', text: 'hello *Grace*' });
    expect(posted.channel).toBe('D0APPROVER');
    await expect(client.chat.update({ channel: 'U0APPROVER', ts: posted.ts!, text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await client.chat.update({ channel: 'D0APPROVER', ts: posted.ts!, text: 'edited' });
    const stored = playground.workspace.find('D0APPROVER', posted.ts!);
    expect(stored).toMatchObject({ text: 'edited', edited: true });
    await expect(
      client.views.open({
        trigger_id: 'nope',
        view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_trigger_id' } });
    const trigger = playground.workspace.issueTrigger('U0ENGINEER');
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Hi' }, blocks: [] };
    const opened = await client.views.open({ trigger_id: trigger, view });
    expect(playground.workspace.modals.get('U0ENGINEER')?.[0]?.id).toBe(opened.view?.id);
    await expect(client.views.open({ trigger_id: trigger, view })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });
    const noSubmit = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Form' },
      blocks: [
        {
          type: 'input' as const,
          label: { type: 'plain_text' as const, text: 'Name' },
          element: { type: 'plain_text_input' as const, action_id: 'name' },
        },
      ],
    };
    await expect(
      client.views.open({ trigger_id: playground.workspace.issueTrigger('U0ENGINEER'), view: noSubmit }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    expect((await client.apiCall('some.unmodelled.method', {})).ok).toBe(true);
    await expect(
      client.chat.postMessage({
        channel: 'C0DEPLOYS',
        text: 'too long',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }],
      }),
    ).rejects.toMatchObject({
      data: {
        error: 'invalid_blocks',
        errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
      },
    });
  });

  it('serves response URLs: new ephemeral, replace_original, delete_original', async () => {
    const ws = playground.workspace;
    const original = ws.post({ channel: 'C0DEPLOYS', user: 'U0GROUNDCRW', bot: true, text: 'card v1' });
    const id = ws.issueResponseUrl({ userId: 'U0ENGINEER', channel: 'C0DEPLOYS', messageTs: original.ts });
    const respond = (body: object) =>
      fetch(`${base()}/playground/respond/${id}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await respond({ text: 'only for you' })).status).toBe(200);
    expect(ws.messages.at(-1)).toMatchObject({ text: 'only for you', visibleTo: 'U0ENGINEER', channel: 'C0DEPLOYS' });
    await respond({ replace_original: 'true', text: 'card v2', blocks: [{ type: 'divider' }] });
    expect(ws.find('C0DEPLOYS', original.ts)).toMatchObject({ text: 'card v2', blocks: [{ type: 'divider' }] });
    await respond({ delete_original: true });
    expect(ws.find('C0DEPLOYS', original.ts)).toBeUndefined();
    expect((await fetch(`${base()}/playground/respond/unknown`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('moves the manual clock and runs the jobs that fell due', async () => {
    const before = playground.clock.now().getTime();
    const response = await ui('time', { ms: 3_600_000 });
    const body = (await response.json()) as { now: string; jobsRun: string[] };
    expect(new Date(body.now).getTime() - before).toBe(3_600_000);
    // A fresh playground's jobs have never run; the jump still runs those with a scheduled time inside it.
    expect(body.jobsRun.length).toBeGreaterThan(0);
    expect(body.jobsRun.every((run) => run.endsWith(': ok'))).toBe(true);
    const again = (await (await ui('time', { ms: 60_000 })).json()) as { jobsRun: string[] };
    const everyMinute = (await playground.groundcrew.services.scheduler.list()).filter((j) => j.cron.startsWith('* '));
    expect(everyMinute.length).toBeGreaterThan(0);
    expect(again.jobsRun).toEqual(expect.arrayContaining(everyMinute.map((j) => `${j.name}: ok`)));
    expect((await ui('time', { ms: -5 })).status).toBe(400);
  });

  it('answers a body that is not a JSON object with 400 and says so (it was a 500)', async () => {
    for (const body of ['{"ms":', '[1]', 'null']) {
      const response = await fetch(`${base()}/playground/ui/time`, { method: 'POST', body });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('the body must be a JSON object');
    }
  });

  it('a time jump says what happened in plain terms (messages posted, or nothing), not job names', async () => {
    const ws = playground.workspace;
    await ui('time', { ms: 60_000 });
    const before = ws.messages.length;
    const body = (await (await ui('time', { ms: 3 * 86_400_000 })).json()) as { summary: string };
    const posted = ws.messages.slice(before);
    expect(body.summary).not.toMatch(/deploys\.|requests\.|approvals\./);
    expect(body.summary).toEqual(
      posted.length === 0
        ? '3 d later: nothing happened.'
        : expect.stringMatching(new RegExp(`^3 d later: ${posted.length} messages? posted \\(.+\\)\\.$`)),
    );
    expect(jumpSummary(3_600_000, [])).toBe('1 h later: nothing happened.');
    expect(jumpSummary(60_000, [{ channel: 'C0DEPLOYS' }, { channel: 'C0DEPLOYS' }, { channel: 'D0ENGINEER' }])).toBe(
      '1 min later: 3 messages posted (#deploys, DM to Ada Engineer).',
    );
  });
  it('runs pretend deploy/automation systems that answer signed webhooks with signed status callbacks', async () => {
    const received: { body: Record<string, unknown>; signed: boolean }[] = [];
    const sink = createServer(async (req, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      received.push({ body: JSON.parse(text), signed: verifyBody(DEMO_SECRET, text, req.headers[SIGNATURE_HEADER]) });
      res.end('{}');
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    try {
      const callbackUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hooks/requests/7`;
      const job = JSON.stringify({ requestId: 7, callbackUrl });
      const send = (signature: string) =>
        fetch(`${base()}/playground/demo/requests`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
          body: job,
        });
      expect((await send('sha256=00')).status).toBe(401);
      expect((await send(signBody(DEMO_SECRET, job))).status).toBe(202);
      await expect.poll(() => received.length, { timeout: 15_000 }).toBe(2);
      expect(received.map((r) => r.body.status)).toEqual(['in_progress', 'done']);
      expect(received.every((r) => r.signed)).toBe(true);
      // The run link they report opens a page that says what a real executor would show there.
      const runUrl = String((received[1]!.body.outputs as { url: string }).url);
      expect(runUrl).toBe(`${base()}/playground/demo-run`);
      expect(await (await fetch(runUrl)).text()).toContain('does nothing real');
    } finally {
      await new Promise((r) => sink.close(r));
    }
  });
  it('applies view_submission answers like Slack: errors, update, push, clear; sends view_closed when asked', async () => {
    const { app, client } = playground.groundcrew.slack;
    const ws = playground.workspace;
    const closed: boolean[] = [];
    app.view('pg_step', async ({ ack, view }) => {
      const answer = view.state.values.b?.a?.value;
      if (answer === 'bad') await ack({ response_action: 'errors', errors: { b: 'not like that' } });
      else if (answer === 'update') await ack({ response_action: 'update', view: modal('pg_step', 'Updated') });
      else if (answer === 'push') await ack({ response_action: 'push', view: modal('pg_step', 'Pushed') });
      else if (answer === 'clear') await ack({ response_action: 'clear' });
      else await ack();
    });
    app.view({ callback_id: 'pg_step', type: 'view_closed' }, async ({ ack, body }) => {
      if (body.type === 'view_closed') closed.push(body.is_cleared);
      await ack();
    });
    const modal = (callbackId: string, title: string) => ({
      type: 'modal' as const,
      callback_id: callbackId,
      notify_on_close: true,
      title: { type: 'plain_text' as const, text: title },
      submit: { type: 'plain_text' as const, text: 'Go' },
      blocks: [
        {
          type: 'input' as const,
          block_id: 'b',
          label: { type: 'plain_text' as const, text: 'Answer' },
          element: { type: 'plain_text_input' as const, action_id: 'a' },
        },
      ],
    });
    const values = (value: string) => ({ b: { a: { type: 'plain_text_input', value } } });
    const stack = () => ws.modalStack('U0PLATFORM');
    const opened = await client.views.open({
      trigger_id: ws.issueTrigger('U0PLATFORM'),
      view: modal('pg_step', 'Start'),
    });
    const id = opened.view!.id!;
    const standIn = playground.standIn;

    expect(await standIn.submit('U0PLATFORM', id, values('bad'))).toEqual({ errors: { b: 'not like that' } });
    expect(stack()[0]!.errors).toEqual({ b: 'not like that' });
    const hash = stack()[0]!.hash;
    await standIn.submit('U0PLATFORM', id, values('update'));
    expect(stack()).toHaveLength(1);
    expect(stack()[0]).toMatchObject({ id, errors: {}, view: { title: { text: 'Updated' } } });
    expect(stack()[0]!.hash).not.toBe(hash);
    await standIn.submit('U0PLATFORM', id, values('push'));
    expect(stack().map((v) => (v.view.title as { text: string }).text)).toEqual(['Updated', 'Pushed']);
    await standIn.close('U0PLATFORM', stack()[1]!.id, false);
    expect(stack()).toHaveLength(1);
    await standIn.submit('U0PLATFORM', id, values('clear'));
    expect(stack()).toHaveLength(0);
    await client.views.open({ trigger_id: ws.issueTrigger('U0PLATFORM'), view: modal('pg_step', 'Again') });
    await standIn.close('U0PLATFORM', stack()[0]!.id, true);
    await expect.poll(() => closed).toEqual([false, true]);
  });
});
