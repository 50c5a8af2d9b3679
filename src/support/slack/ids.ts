/** Every action_id, block_id and callback_id the support capability uses: `support.<what>`. */
export const IDS = {
  /** Message shortcut "Track as a support question". */
  track: 'support.track',
  replyActionsBlock: 'support.reply-actions',
  solved: 'support.solved',
  resolved: 'support.resolved',
  waiting: 'support.waiting',
  pairing: 'support.pairing',
  priorityBlock: 'support.priorities',
  /** Each priority button is `support.priority.<priority id>`. */
  priorityPrefix: 'support.priority.',
  csatBlock: 'support.csat',
  /** Each rating button is `support.csat.<1–5>`. */
  csatPrefix: 'support.csat.',
} as const;

export const priorityActionId = (priority: string) => `${IDS.priorityPrefix}${priority}`;
export const csatActionId = (rating: number) => `${IDS.csatPrefix}${rating}`;
