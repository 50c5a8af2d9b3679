import type { Approval, ApprovalsApi } from '../approvals/types.js';
import type { Mrkdwn } from '../mrkdwn.js';
import type { DeployRow } from './schema.js';

/** Port: how deploy news reaches people. The Slack adapter is slack/notifier.ts. */
export interface DeployNotifier {
  /** Posts the deploy's living status message the first time, then edits it in place; returns where it is. */
  showStatus(deploy: DeployRow): Promise<{ channel: string; ts: string }>;
  /** A step detail, as a reply in the status message's thread. Mrkdwn: build it with the `mrkdwn` tag. */
  threadNote(deploy: DeployRow, text: Mrkdwn): Promise<void>;
  /** A direct message. */
  dm(userId: string, text: Mrkdwn): Promise<void>;
  /** A message in the deploys channel (freeze start/end, break glass). */
  announce(text: Mrkdwn): Promise<void>;
  /** These users' Home tabs show something that changed. */
  homeChanged(userIds: string[]): Promise<void>;
}

/** The part of the shared approvals component deploys uses ("awaiting approval" goes through it). */
export type DeployApprovals = Pick<ApprovalsApi, 'registerSubject' | 'request' | 'cancel'>;
export type { Approval };
