import type { KnownBlock, View } from '@slack/types';
import { itemRef } from '../../item-ref.js';
import {
  channelLink,
  context,
  divider,
  header,
  joinMrkdwn,
  type Message,
  type Mrkdwn,
  mention,
  mrkdwn,
  mrkdwnText,
  section,
  slackDate,
  trusted,
} from '../../slack/mrkdwn.js';
import type { MicroPulseConfig, SurveyConfig } from '../config.js';
import { LOW_RESPONSE_PERCENT, type WaveResults } from '../model.js';
import type { MicroTrendPoint } from '../ports.js';
import type { IdentifiedAnswerRow, WaveRow } from '../repo.js';
import { IDS, inviteBlockId, MICRO_SCORE_IDS, trendBlockId } from './ids.js';

export type { Message };

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger') => ({
  type: 'button' as const,
  text: { type: 'plain_text' as const, text },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

/** The wave's DM: the follow-up of the last wave (if any), the question, Answer / Not now / Stop asking me. */
export function inviteMessage(survey: SurveyConfig, wave: WaveRow, followUp: string | null, reminder = false): Message {
  const ref = itemRef(wave);
  const blocks: KnownBlock[] = [];
  if (followUp) blocks.push(section(mrkdwn`*You said, we did:* ${followUp}`), divider);
  blocks.push(
    section(
      reminder
        ? mrkdwn`*A reminder:* ${survey.question} You have until ${trusted(slackDate(wave.closesAt))}.`
        : mrkdwn`${survey.question}`,
    ),
    {
      type: 'actions',
      block_id: inviteBlockId(wave.id),
      elements: [
        button('Answer (30 seconds)', IDS.answer, ref, 'primary'),
        button('Not now', IDS.notNow, ref),
        button('Stop asking me', IDS.stopAsking, ref),
      ],
    },
    context(
      wave.anonymous
        ? mrkdwn`Anonymous: nothing links your answer to you. Open until ${trusted(slackDate(wave.closesAt))}.`
        : mrkdwn`Not anonymous: the platform team sees your answer with your name. You can change it until ${trusted(slackDate(wave.closesAt))}.`,
    ),
  );
  return { text: mrkdwn`${survey.question}`, blocks };
}

/** The DM once answered or opted out: the buttons go. */
export function dmAfter(survey: SurveyConfig, wave: WaveRow, state: 'answered' | 'opted-out'): Message {
  const line =
    state === 'opted-out'
      ? mrkdwn`You will not be asked again. \`/platform survey optin\` undoes it.`
      : wave.anonymous
        ? mrkdwn`:white_check_mark: Thank you, your answer is in.`
        : mrkdwn`:white_check_mark: Thank you, your answer is in. You can change it until the wave closes.`;
  const blocks: KnownBlock[] = [section(mrkdwn`${survey.question}`), context(line)];
  if (state === 'answered' && !wave.anonymous) {
    blocks.push({
      type: 'actions',
      block_id: inviteBlockId(wave.id),
      elements: [button('Change my answer', IDS.answer, itemRef(wave))],
    });
  }
  return { text: mrkdwn`${survey.question}`, blocks };
}

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const option = (text: string, value: string) => ({ text: plain(text), value });

/** The answer modal: 0–10 (required), comment and area (optional), "happy to be contacted" (optional, off). */
export function answerView(survey: SurveyConfig, wave: WaveRow, previous: IdentifiedAnswerRow | null = null): View {
  const scores = Array.from({ length: 11 }, (_, s) => option(String(s), String(s)));
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: IDS.scoreBlock,
      label: plain(survey.question),
      element: {
        type: 'static_select',
        action_id: IDS.scoreAction,
        placeholder: plain('0 = not at all likely, 10 = extremely likely'),
        options: scores,
        ...(previous ? { initial_option: option(String(previous.score), String(previous.score)) } : {}),
      },
    },
  ];
  if (survey.followUps.comment) {
    blocks.push({
      type: 'input',
      block_id: IDS.commentBlock,
      optional: true,
      label: plain(survey.followUps.comment.label),
      element: {
        type: 'plain_text_input',
        action_id: IDS.commentAction,
        multiline: true,
        max_length: 1000,
        ...(previous?.comment ? { initial_value: previous.comment } : {}),
      },
    });
  }
  const area = survey.followUps.area;
  if (area && wave.areas.length > 0) {
    blocks.push({
      type: 'input',
      block_id: IDS.areaBlock,
      optional: true,
      label: plain(area.label),
      element: {
        type: 'static_select',
        action_id: IDS.areaAction,
        options: wave.areas.map((a) => option(a, a)),
        ...(previous?.area && wave.areas.includes(previous.area)
          ? { initial_option: option(previous.area, previous.area) }
          : {}),
      },
    });
  }
  const consent = option("I'm happy to be contacted about this", 'contact');
  blocks.push({
    type: 'input',
    block_id: IDS.contactBlock,
    optional: true,
    label: plain('Follow-up'),
    element: {
      type: 'checkboxes',
      action_id: IDS.contactAction,
      options: [consent],
      ...(previous?.contact ? { initial_options: [consent] } : {}),
    },
  });
  blocks.push(
    context(
      wave.anonymous
        ? mrkdwn`Anonymous: your answer is counted, not stored with your name, so it cannot be changed once sent. Ticking "happy to be contacted" stores this one answer with your name and tells the platform team.`
        : mrkdwn`Not anonymous: your answer is stored with your name; you can change it until the wave closes.`,
    ),
  );
  return {
    type: 'modal',
    callback_id: IDS.answerView,
    private_metadata: itemRef(wave),
    title: plain('Platform survey'),
    submit: plain(previous ? 'Change answer' : 'Send'),
    close: plain('Cancel'),
    blocks,
  };
}

/** A closed wave's results: NPS, change, categories, response rate, areas and comments as far as they may be shown. */
export function resultsMessage(
  survey: SurveyConfig,
  wave: WaveRow,
  results: WaveResults,
  micro: readonly MicroTrendPoint[] = [],
): Message {
  const title = `${survey.id}: results of wave ${wave.number}`;
  if (!results.shown) return { text: mrkdwn`${title}`, blocks: [section(mrkdwn`Wave ${wave.number} is still open.`)] };
  const unreachable =
    results.unreachable === 0
      ? ''
      : `; ${results.unreachable} of the ${results.invited} in the audience could not be reached by DM and are not counted`;
  const rate =
    results.responsePercent === null
      ? mrkdwn`nobody was reached${unreachable}`
      : mrkdwn`${results.answers} of ${results.reached} answered (${results.responsePercent}%)${results.lowResponse ? ` :warning: under ${LOW_RESPONSE_PERCENT}%` : ''}${unreachable}`;
  const lines: Mrkdwn[] = [];
  if (!results.enoughAnswers) {
    lines.push(mrkdwn`Too few answers to show a score (fewer than ${wave.minGroupSize}): only the count is shown.`);
  } else {
    const change =
      results.change === null ? '' : ` (${results.change > 0 ? '+' : ''}${results.change} since the last wave)`;
    lines.push(mrkdwn`*NPS ${results.nps}*${change}`);
    const c = results.counts!;
    lines.push(
      mrkdwn`Promoters (9–10): ${c.promoters} · Passives (7–8): ${c.passives} · Detractors (0–6): ${c.detractors}`,
    );
  }
  lines.push(mrkdwn`Response rate: ${trusted(rate)}`);
  const blocks: KnownBlock[] = [header(title), section(joinMrkdwn(lines))];
  if (results.areas.length > 0) {
    const areaLines = results.areas.map((a) => mrkdwn`• ${a.area}: NPS ${a.nps} (${a.counts.total} answers)`);
    if (results.hiddenAreas > 0) areaLines.push(mrkdwn`_${results.hiddenAreas} smaller area(s) not shown_`);
    blocks.push(section(joinMrkdwn([mrkdwn`*Per area*`, ...areaLines])));
  }
  if (results.comments.length > 0) {
    const n = results.comments.length;
    blocks.push(
      section(mrkdwn`*Comments*: ${String(n)} — listed in full in the results post’s thread (in alphabetical order).`),
    );
  }
  const microLines = microTrendLines(micro);
  if (microLines.length > 0) blocks.push(section(joinMrkdwn([mrkdwn`*Micro-pulse* (1–5, per month)`, ...microLines])));
  blocks.push(context(wave.anonymous ? mrkdwn`Anonymous survey.` : mrkdwn`Not anonymous.`));
  return {
    text: mrkdwn`${title}: ${results.enoughAnswers ? `NPS ${results.nps}` : `${results.answers} answers`}`,
    blocks,
  };
}

/** Characters per comments section: under Slack's 3,000 per section text, with a margin. */
export const COMMENT_SECTION_MAX = 2900;
/** Sections per comments reply: under Slack's 50 blocks per message, leaving room for the heading. */
export const COMMENT_SECTIONS_PER_REPLY = 45;

/**
 * Every shown comment as replies for the results thread, in the order given (the results' order, which reveals
 * nothing). Comments are packed into sections of at most COMMENT_SECTION_MAX characters and replies of at most
 * COMMENT_SECTIONS_PER_REPLY sections; a comment longer than a section is split over several (marked), never cut.
 */
export function commentReplies(wave: WaveRow, comments: readonly string[]): Message[] {
  const pieces: Mrkdwn[] = [];
  for (const comment of comments) {
    const line = mrkdwn`> ${comment.replace(/\n/g, ' ')}`;
    for (const piece of splitMrkdwn(line, COMMENT_SECTION_MAX - 20)) pieces.push(piece);
  }
  const sections: Mrkdwn[] = [];
  let chunk = '';
  for (const piece of pieces) {
    if (chunk && chunk.length + piece.length + 1 > COMMENT_SECTION_MAX) {
      sections.push(chunk as Mrkdwn); // whole Mrkdwn pieces joined by newlines
      chunk = '';
    }
    chunk += `${chunk ? '\n' : ''}${piece}`;
  }
  if (chunk) sections.push(chunk as Mrkdwn);
  const parts: Mrkdwn[][] = [];
  for (let i = 0; i < sections.length; i += COMMENT_SECTIONS_PER_REPLY) {
    parts.push(sections.slice(i, i + COMMENT_SECTIONS_PER_REPLY));
  }
  return parts.map((part, i) => {
    const label = parts.length > 1 ? ` (part ${i + 1} of ${parts.length})` : '';
    return {
      text: mrkdwn`Comments of wave ${String(wave.number)}${label}`,
      blocks: [
        context(mrkdwn`*Comments* of wave ${String(wave.number)}${label}, ${String(comments.length)} in all`),
        ...part.map((t) => section(t)),
      ],
    };
  });
}

/**
 * Splits a mrkdwn line into pieces of at most `max` characters, never inside an escape (`&amp;`) or a surrogate
 * pair; continuation pieces are quoted again and marked with `…`.
 */
function splitMrkdwn(line: Mrkdwn, max: number): Mrkdwn[] {
  if (line.length <= max) return [line];
  const out: Mrkdwn[] = [];
  let rest: string = line;
  let first = true;
  while (rest.length > 0) {
    const prefix = first ? '' : '> …';
    const room = max - prefix.length - 1;
    if (rest.length <= room + 1) {
      out.push(`${prefix}${rest}` as Mrkdwn);
      break;
    }
    let cut = room;
    const amp = rest.lastIndexOf('&', cut);
    if (amp > cut - 6 && amp > 0 && rest.indexOf(';', amp) >= cut) cut = amp;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    out.push(`${prefix}${rest.slice(0, cut)}…` as Mrkdwn); // a cut of escaped Mrkdwn, escapes kept whole
    rest = rest.slice(cut);
    first = false;
  }
  return out;
}

/** To the admins: what went wrong and the fix (the text is the service's, naming the survey and the channel). */
export function tellAdminsMessage(text: string): Message {
  return { text: mrkdwn`${text}`, blocks: [section(mrkdwn`:warning: ${text}`)] };
}

export function followUpMessage(survey: SurveyConfig, wave: WaveRow, text: string): Message {
  return {
    text: mrkdwn`You said, we did: ${text}`,
    blocks: [section(mrkdwn`*You said, we did* (after wave ${wave.number} of ${survey.id}): ${text}`)],
  };
}

export function contactMessage(
  userId: string,
  survey: SurveyConfig,
  answer: { score: number; area: string | null; comment: string | null },
): Message {
  const intro = mrkdwn`${mention(userId)} is happy to be contacted about their answer to *${survey.id}*: ${answer.score}/10${answer.area ? ` about ${answer.area}` : ''}.`;
  // The comment (1,000 characters, up to 5,000 once `&`, `<`, `>` are escaped) in sections under Slack's 3,000.
  const comment = answer.comment
    ? splitMrkdwn(mrkdwn`> ${answer.comment.replace(/\n/g, ' ')}`, COMMENT_SECTION_MAX - 20)
    : [];
  return {
    text: mrkdwn`Someone is happy to be contacted about their survey answer`,
    blocks: [section(intro), ...comment.map((piece) => section(piece))],
  };
}

/** The Home tab: surveys waiting for this person. */
export function homeSection(owed: readonly { survey: SurveyConfig; wave: WaveRow }[]): KnownBlock[] {
  if (owed.length === 0) return [];
  return [
    header('Surveys for you'),
    ...owed.map(({ survey, wave }) => ({
      type: 'section' as const,
      text: mrkdwnText(mrkdwn`${survey.question} _(open until ${trusted(slackDate(wave.closesAt))})_`),
      accessory: button('Answer (30 seconds)', IDS.answer, itemRef(wave), 'primary'),
    })),
  ];
}

/** One line per month of micro-pulse: the mean, or only the count while under minGroupSize. */
function microTrendLines(micro: readonly MicroTrendPoint[]): Mrkdwn[] {
  return micro.map((p) =>
    p.mean === null
      ? mrkdwn`• ${p.period}: ${p.answers} answer(s), too few to show`
      : mrkdwn`• ${p.period}: ${p.mean.toFixed(1)} (${p.answers} answers)`,
  );
}

/** The micro-pulse question by DM: the 1–5 question and five buttons. */
export function microAskMessage(survey: SurveyConfig, micro: MicroPulseConfig): Message {
  return {
    text: mrkdwn`${micro.question}`,
    blocks: [
      section(mrkdwn`${micro.question}`),
      {
        type: 'actions',
        block_id: IDS.microBlock,
        elements: MICRO_SCORE_IDS.map(({ score, actionId }) => button(String(score), actionId, survey.id)),
      },
      context(mrkdwn`One click, anonymous: only the count per score is kept. You will not be asked again for 30 days.`),
    ],
  };
}

export function microAnsweredMessage(micro: MicroPulseConfig | undefined): Message {
  const question = micro?.question ?? 'Micro-pulse';
  return {
    text: mrkdwn`${question}`,
    blocks: [section(mrkdwn`${question}`), context(mrkdwn`:white_check_mark: Thank you, your answer is counted.`)],
  };
}

/** The admins' Home tab: each survey's latest closed wave, its trend chart (the uploaded file) and micro-pulse. */
export function trendsSection(
  trends: readonly {
    survey: SurveyConfig;
    last: { wave: WaveRow; results: WaveResults } | null;
    micro: readonly MicroTrendPoint[];
  }[],
): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  for (const { survey, last, micro } of trends) {
    if (!last && micro.length === 0) continue;
    const lines: Mrkdwn[] = [];
    if (last) {
      const r = last.results;
      const score = r.shown && r.nps !== null ? mrkdwn`NPS *${r.nps}*` : mrkdwn`no score shown (too few answers)`;
      const rate = r.shown && r.responsePercent !== null ? mrkdwn`, ${r.responsePercent}% answered` : mrkdwn``;
      lines.push(mrkdwn`*${survey.id}*: ${trusted(score)}${trusted(rate)} in wave ${last.wave.number}`);
    } else {
      lines.push(mrkdwn`*${survey.id}*: no closed wave yet`);
    }
    blocks.push(section(joinMrkdwn(lines)));
    if (last?.wave.chartFileId) {
      blocks.push({
        type: 'image',
        block_id: trendBlockId(survey.id),
        slack_file: { id: last.wave.chartFileId },
        alt_text: `${survey.id}: NPS and response rate per wave`,
        title: plain(`${survey.id}: NPS and response rate per wave`),
      } as KnownBlock);
    }
    const microLines = microTrendLines(micro);
    if (microLines.length > 0) blocks.push(section(joinMrkdwn([mrkdwn`Micro-pulse (1–5):`, ...microLines])));
  }
  return blocks.length > 0 ? [header('Survey trends'), ...blocks] : [];
}

export function resultsChannelText(survey: SurveyConfig) {
  return mrkdwn`Results go to ${channelLink(survey.resultsChannel)}.`;
}
