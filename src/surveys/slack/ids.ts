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
} as const;
