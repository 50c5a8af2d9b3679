import { type Policy, slaStatus } from './model.js';
import type { ReplyView, SupportServiceDeps } from './ports.js';
import type { TicketRow } from './repo.js';
import { ticketTarget, toTicket } from './rows.js';
import type { SearchHit } from './search.js';

/** How long one replica's try at posting a ticket's tier-1 reply holds `support-reply:<id>`. */
const REPLY_LEASE_MS = 60_000;

/** What the reply part reads from the rest of the service. */
export interface ReplyInputs {
  policies: readonly Policy[];
  policyOf(id: string): Policy;
  search(text: string, limit: number): Promise<SearchHit[]>;
  onDuty(at: Date): Promise<string[]>;
}

/** A post's outcome: the row as it now is; `cannotPost` is Slack's code when the bot may not post there. */
export interface PostedReply {
  row: TicketRow;
  cannotPost: string | null;
}

/**
 * The tier-1 reply in a ticket's thread: what it shows (search hits, SLA, who is on duty), posting it once across
 * replicas, giving up on a conversation the bot may not post in, and the sweep that posts what a crash left
 * unposted. Part of the support service.
 */
export function createReplies(deps: SupportServiceDeps, inputs: ReplyInputs) {
  const { repo, clock, audit, notifier } = deps;
  const { policies, policyOf, search, onDuty } = inputs;

  async function view(row: TicketRow, now: Date): Promise<ReplyView> {
    const [hits, askerTimezone, duty] = await Promise.all([
      row.text ? search(row.text, 3) : Promise.resolve([]),
      notifier.timezoneOf(row.askerId).catch(() => null),
      onDuty(now),
    ]);
    return {
      ticket: row,
      policies,
      sla: slaStatus(toTicket(row), policyOf(row.priority), now),
      hits,
      askerTimezone: askerTimezone ?? deps.timezone,
      onDuty: duty,
    };
  }

  /**
   * Posts the tier-1 reply once (the lease keeps a sweep on another replica from posting it too). `cannotPost` is
   * Slack's code when the bot may not post in that conversation: trying again would not help.
   */
  async function post(row: TicketRow): Promise<PostedReply> {
    const held = await deps.leases.hold(`support-reply:${row.id}`, REPLY_LEASE_MS, async () => {
      const fresh = await repo.get(row.id);
      if (!fresh || fresh.replyTs) return { row: fresh ?? row, cannotPost: null };
      const posted = await notifier.postReply(await view(fresh, clock.now()));
      if (typeof posted !== 'string') return { row: fresh, cannotPost: posted.cannotPost };
      await repo.setReplyTs(fresh.id, posted);
      return { row: { ...fresh, replyTs: posted }, cannotPost: null };
    });
    return held.claimed ? held.value : { row, cannotPost: null };
  }

  /**
   * Tickets whose tier-1 reply Slack refused for good (the bot may not post there): the sweep does not try them
   * again in this process. Their escalations still fire.
   */
  const refused = new Set<number>();
  async function giveUp(row: TicketRow, code: string): Promise<void> {
    refused.add(row.id);
    deps.logger.warn(
      `support: the tier-1 reply to question #${row.id} in ${row.channelId} was refused (${code}); not tried again — invite the bot to that channel`,
    );
    await audit.record({
      actor: 'system',
      action: 'support.reply',
      target: ticketTarget(row.id),
      outcome: 'failed',
      detail: code,
    });
  }

  /**
   * Posts tier-1 replies a crash (or a failed call) left unposted: the sweep. Each ticket on its own: one that
   * fails is logged and tried again next minute (for 24 hours), one Slack refuses for good is given up.
   */
  async function postMissing(now: Date): Promise<number> {
    let posted = 0;
    for (const row of await repo.unreplied(new Date(now.getTime() - 24 * 3_600_000))) {
      if (now.getTime() - row.openedAt.getTime() < 30_000 || refused.has(row.id)) continue;
      try {
        const after = await post(row);
        if (after.cannotPost) await giveUp(after.row, after.cannotPost);
        else if (after.row.replyTs) posted++;
      } catch (error) {
        deps.logger.warn(
          `support: the tier-1 reply to question #${row.id} failed, tried again next minute: ${String(error)}`,
        );
      }
    }
    return posted;
  }

  return { view, post, giveUp, postMissing };
}
