import type { Mrkdwn } from '../mrkdwn.js';
import type { Approval, ApprovalSubjectView } from './types.js';

/** What a card shows: the approval and the subject's own description of itself (null when it is gone). */
export interface ApprovalCard {
  approval: Approval;
  subject: ApprovalSubjectView | null;
}

export interface PostedCard {
  channel: string;
  ts: string;
}

/** Port: how cards reach people. The Slack adapter (slack/notifier.ts) renders blocks and calls the Web API. */
export interface ApprovalsNotifier {
  /** Posts a card to a user's DM (target = user ID) or a channel; returns where it landed. */
  postCard(target: string, card: ApprovalCard): Promise<PostedCard>;
  updateCard(ref: PostedCard, card: ApprovalCard): Promise<void>;
  /** A plain DM (e.g. to the requester of an approval that was cancelled). */
  tell(userId: string, text: Mrkdwn): Promise<void>;
  /** Something on these users' Home tabs changed. Best effort. */
  homeChanged(userIds: string[]): Promise<void>;
}
