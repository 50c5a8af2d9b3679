/**
 * The fields of a Slack `message` event that groundcrew's message listeners read (support intake, community agenda
 * items from thread replies). Every field is optional: edits, deletions, joins and bot posts arrive through the same
 * event with some of them missing, and the listeners ignore those.
 */
export interface MessageEvent {
  channel?: string;
  user?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  subtype?: string;
  bot_id?: string;
}
