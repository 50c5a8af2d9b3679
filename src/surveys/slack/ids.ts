/** Every action_id, block_id and callback_id of surveys. */
export const IDS = {
  /** The DM's and Home tab's "Answer (30 seconds)"; value: the wave's item ref. */
  answer: 'surveys.answer',
  notNow: 'surveys.not-now',
  stopAsking: 'surveys.stop-asking',
  answerView: 'surveys.answer-modal',
  scoreBlock: 'surveys.score',
  scoreAction: 'surveys.score-input',
  commentBlock: 'surveys.comment',
  commentAction: 'surveys.comment-input',
  areaBlock: 'surveys.area',
  areaAction: 'surveys.area-input',
  contactBlock: 'surveys.contact',
  contactAction: 'surveys.contact-input',
  /** The micro-pulse DM's 1–5 buttons: `surveys.micro-<score>`; value: the survey id. */
  microPrefix: 'surveys.micro-',
  microBlock: 'surveys.micro',
} as const;

export const MICRO_SCORE_IDS = [1, 2, 3, 4, 5].map((score) => ({ score, actionId: `${IDS.microPrefix}${score}` }));

/** The block_id of a wave's invite buttons (DM and Home): one per wave, so Slack keeps each invite's block apart. */
export const inviteBlockId = (waveId: number | string): string => `surveys.invite.${waveId}`;

/** The block_id of a survey's trend chart image on the Home tab. */
export const trendBlockId = (surveyId: string): string => `surveys.trend.${surveyId}`;
