import { conflict, forbidden, invalidInput, notFound } from '../errors.js';
import type { ItemRef } from '../item-ref.js';
import { createSupportDesk, type OnDutyNow } from './escalation.js';
import { nextEscalationAt } from './escalation-rules.js';
import { dutyLookup } from './intake.js';
import { createKnowledge } from './knowledge.js';
import { mainSchedule, type Policy, resolvePolicies, type Ticket, type TicketEvent, transition } from './model.js';
import { createOpening } from './opening.js';
import type { EventCommit, IncomingMessage, SupportServiceDeps } from './ports.js';
import { createReplies, type PostedReply } from './replies.js';
import type { TicketRow } from './repo.js';
import { ticketPatch, ticketTarget, toTicket } from './rows.js';

/**
 * Support use-cases: intake, what responders and askers do to a ticket (reply, 👀, ✅, ⏳, buttons), CSAT and saved
 * answers. Every state change is audited here or in a part. Its parts: opening.ts (a ticket from a message, merged
 * within 2 minutes), replies.ts (the tier-1 reply and its sweep), escalation.ts (escalation, the queue, the
 * figures), knowledge.ts (the tier-1 search).
 */

export type IntakeResult =
  | { kind: 'new'; ticket: TicketRow }
  | { kind: 'merged'; ticket: TicketRow }
  | { kind: 'duplicate'; ticket: TicketRow | null };

/** An error's message, short: Slack's code when it is a Web API error (`An API error occurred: x` → `x`). */
function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^An API error occurred: /, '').slice(0, 200);
}

export type TrackResult =
  | { kind: 'new'; ticket: TicketRow; replyLater: boolean }
  | { kind: 'existing'; ticket: TicketRow }
  | { kind: 'cannot-post'; code: string }
  | { kind: 'cannot-hear'; why: 'not_in_channel' | 'private' };

export type Actor = { userId: string; role: 'asker' | 'responder' | 'other' };

export function createSupportService(deps: SupportServiceDeps) {
  const { config, repo, clock, audit, notifier, people } = deps;
  const policies = resolvePolicies(config, deps.timezone);
  const policyOf = (id: string): Policy => policies.find((p) => p.id === id) ?? policies[policies.length - 1]!;
  const target = (row: TicketRow) => ticketTarget(row.id);

  const { search } = createKnowledge(repo, deps.loadDocs, deps.logger);

  const rotation = config.onDuty?.rotation;
  const onDutyIn = rotation && dutyLookup(rotation, config.businessHours.timezone ?? deps.timezone);
  /** Who is on duty at `at`, and why nobody is when that is so (an on-duty step then goes to triage and says it). */
  async function onDutyNow(at: Date): Promise<OnDutyNow> {
    const usergroup = config.onDuty?.usergroup;
    if (onDutyIn) return { users: [onDutyIn(at)], problem: null };
    if (!usergroup) return { users: [], problem: 'nobody is on duty (support.onDuty is not set)' };
    try {
      const users = await people.expand({ users: [], usergroups: [usergroup] });
      return { users, problem: users.length > 0 ? null : `the on-duty usergroup ${usergroup} has nobody in it` };
    } catch (error) {
      deps.logger.warn(`support: the on-duty usergroup ${usergroup} could not be read: ${String(error)}`);
      return { users: [], problem: `the on-duty usergroup ${usergroup} could not be read (${errorText(error)})` };
    }
  }
  const onDuty = async (at: Date): Promise<string[]> => (await onDutyNow(at)).users;

  const isResponder = (userId: string) => people.isIn(userId, config.responders);
  const schedule = mainSchedule(config, deps.timezone);
  const desk = createSupportDesk({
    config,
    repo,
    clock,
    audit,
    notifier,
    policies,
    policyOf,
    schedule,
    onDuty: onDutyNow,
  });

  /** A step due already (a paging priority) is sent now, not at the next sweep. */
  async function escalateIfDue(row: TicketRow): Promise<void> {
    const now = clock.now();
    if (row.nextCheckAt && row.nextCheckAt.getTime() <= now.getTime()) await desk.escalateTicket(row, now);
  }

  async function actorOf(row: TicketRow, userId: string): Promise<Actor> {
    if (await isResponder(userId)) return { userId, role: 'responder' };
    return { userId, role: userId === row.askerId ? 'asker' : 'other' };
  }

  /** When the next escalation step is due for this ticket as it now is (null: nothing can fire). */
  async function nextCheck(row: Pick<TicketRow, 'id'>, ticket: Ticket, now: Date): Promise<Date | null> {
    const fired = new Set((await repo.steps([row.id])).map((s) => s.step));
    return nextEscalationAt(ticket, policyOf(ticket.priority), config.escalation, fired, now);
  }

  const replies = createReplies(deps, { policies, policyOf, search, onDuty });
  /** The tier-1 reply to a new ticket; null (logged) when Slack failed and the sweep is left to post it. */
  const tryReply = async (ticket: TicketRow): Promise<PostedReply | null> => {
    try {
      return await replies.post(ticket);
    } catch (error) {
      deps.logger.warn(`support: the tier-1 reply to question #${ticket.id} failed: ${String(error)}`);
      return null;
    }
  };
  const { open } = createOpening(deps, { policies, nextCheck });

  /** Applies `event` by `actor` in one transaction; audits it; answers the row before and after. */
  async function act(id: number, actor: Actor, event: TicketEvent, action: string, ref?: ItemRef) {
    const now = clock.now();
    const result = await repo.transaction(async () => {
      const row = await repo.get(id);
      if (!row || (ref && ref.nonce !== row.nonce)) throw notFound('That support question is not tracked any more.');
      const moved = transition(toTicket(row), event, now);
      if (!moved.ok) {
        if (moved.reason === 'responders-only') {
          await audit.record({ actor: actor.userId, action, target: target(row), outcome: 'denied' });
          throw forbidden('Only the platform team can do that.');
        }
        throw conflict('This question is resolved already.');
      }
      if (!moved.changed) return { before: row, after: row, changed: false };
      const patch = ticketPatch(moved.ticket);
      if (row.firstResponseAt === null && moved.ticket.firstResponseAt !== null && actor.role === 'responder') {
        patch.firstResponder = actor.userId;
      }
      if (moved.ticket.state === 'resolved') patch.resolverId = actor.userId;
      patch.nextCheckAt = await nextCheck(row, moved.ticket, now);
      const after = (await repo.update(row.id, patch)) ?? row;
      await audit.record({
        actor: actor.userId,
        action,
        target: target(row),
        inputs: { from: row.state, to: after.state, priority: after.priority, tier: after.tier },
      });
      return { before: row, after, changed: true };
    });
    if (result.changed) await afterChange(result.before, result.after);
    return result;
  }

  async function afterChange(before: TicketRow, after: TicketRow): Promise<void> {
    const now = clock.now();
    if (after.replyTs) await notifier.updateReply(await replies.view(after, now));
    await escalateIfDue(after);
    if (after.state === 'resolved' && before.state !== 'resolved' && (await repo.claimCsat(after.id, now))) {
      await notifier.askCsat(after);
      const afterResolved = deps.afterResolved;
      if (afterResolved) await afterResolved(after.askerId).catch(() => undefined);
    }
    await notifier.homeChanged([after.askerId]);
  }

  async function byRef(ref: ItemRef): Promise<TicketRow> {
    const row = await repo.get(ref.id);
    if (!row || ref.nonce !== row.nonce) throw notFound('That support question is not tracked any more.');
    return row;
  }

  return {
    policies,
    policyOf,
    onDuty,
    desk,
    isResponder,
    search,
    channels: config.channels,

    /** A top-level help-channel message: a new ticket (tier-1 reply follows), or joined to one, or a redelivery. */
    async intake(message: IncomingMessage, commit: EventCommit): Promise<IntakeResult> {
      const committed = await commit(() => repo.transaction(() => open(message, 'channel', null)));
      if (!committed.applied) return { kind: 'duplicate', ticket: null };
      const result = committed.value;
      if (result.kind === 'new') {
        // When Slack failed, a step due at once (a p1 page) does not wait for the sweep, which posts the reply later.
        const posted = (await tryReply(result.ticket)) ?? { row: result.ticket, cannotPost: null };
        const { row: ticket, cannotPost } = posted;
        if (cannotPost) await replies.giveUp(ticket, cannotPost);
        await escalateIfDue(ticket);
        await notifier.homeChanged([ticket.askerId]);
        return { kind: 'new', ticket };
      }
      return result;
    },

    /**
     * "Track as a support question" on a message anywhere: a ticket whose asker is the message's author. When the
     * bot may not post in that conversation (a private channel or DM it is not in), no ticket is kept: nobody could
     * answer it there, and the shortcut works once the bot is invited.
     */
    async track(message: IncomingMessage, by: string): Promise<TrackResult> {
      // Replies, reactions and 📖 in a conversation groundcrew does not hear would never reach it: keep no ticket.
      const deaf = (await repo.ticketOfThread(message.channelId, message.ts))
        ? null
        : await notifier.deafIn(message.channelId);
      if (deaf) {
        deps.logger.warn(
          `support: "Track as a support question" in ${message.channelId} not kept: groundcrew does not hear it (${deaf})`,
        );
        return { kind: 'cannot-hear', why: deaf };
      }
      const result = await repo.transaction(() => open(message, 'shortcut', by));
      if (result.kind === 'new') {
        const posted = await tryReply(result.ticket);
        // Slack failed for another reason: the ticket stays and the sweep posts the reply.
        if (!posted) return { kind: 'new', ticket: result.ticket, replyLater: true };
        if (posted.cannotPost) {
          await repo.transaction(async () => {
            await repo.remove(result.ticket.id);
            await audit.record({
              actor: by,
              action: 'support.untrack',
              target: target(result.ticket),
              inputs: { channel: message.channelId, ts: message.ts },
              outcome: 'failed',
              detail: `the bot may not post there (${posted.cannotPost})`,
            });
          });
          deps.logger.warn(
            `support: "Track as a support question" in ${message.channelId} not kept: the bot may not post there (${posted.cannotPost})`,
          );
          return { kind: 'cannot-post', code: posted.cannotPost };
        }
        const ticket = posted.row;
        await escalateIfDue(ticket);
        await notifier.homeChanged([ticket.askerId]);
        return { kind: 'new', ticket, replyLater: false };
      }
      const existing = result.ticket ?? (await repo.ticketOfThread(message.channelId, message.ts));
      if (!existing) throw conflict('That message could not be tracked.');
      return { kind: 'existing', ticket: existing };
    },

    /** The sweep of tier-1 replies a crash (or a failed call) left unposted (replies.ts). */
    postMissingReplies: replies.postMissing,

    /** A reply in a ticket's thread: a responder's first one is the first response; the asker's resumes a wait. */
    async threadReply(message: IncomingMessage & { threadTs: string }): Promise<void> {
      const row = await repo.ticketOfThread(message.channelId, message.threadTs);
      if (!row || row.state === 'resolved') return;
      const actor = await actorOf(row, message.userId);
      if (actor.role === 'other') return;
      await repo.addMessage({
        channelId: message.channelId,
        ts: message.ts,
        ticketId: row.id,
        kind: 'reply',
        userId: message.userId,
        text: message.text,
        at: message.at,
      });
      if (actor.role === 'responder') await act(row.id, actor, { kind: 'respond' }, 'support.respond');
      else await act(row.id, actor, { kind: 'asker-reply' }, 'support.resume');
    },

    /** 👀 ✅ ⏳ 📖 on a ticket's question (or, for 📖, on a reply in its thread). */
    async reaction(r: { channelId: string; ts: string; userId: string; reaction: string; removed: boolean }) {
      const name = r.reaction.replace(/::skin-tone-\d$/, '');
      if (name === 'book' && !r.removed) return saveAnswer(r.channelId, r.ts, r.userId);
      const row = await repo.ticketOfThread(r.channelId, r.ts);
      if (!row || row.state === 'resolved') return;
      const actor = await actorOf(row, r.userId);
      if (actor.role === 'other') return;
      const responder = actor.role === 'responder';
      if (r.removed) {
        if (name.startsWith('hourglass') && responder)
          await act(row.id, actor, { kind: 'resume', by: 'responder' }, 'support.resume');
        return;
      }
      if (name === 'eyes' && responder) await act(row.id, actor, { kind: 'respond' }, 'support.respond');
      else if (name === 'white_check_mark' || name === 'heavy_check_mark') {
        await act(row.id, actor, { kind: 'resolve', by: responder ? 'responder' : 'asker' }, 'support.resolve');
      } else if (name.startsWith('hourglass') && responder) {
        await act(row.id, actor, { kind: 'wait', by: 'responder' }, 'support.wait');
      }
    },

    /** A button under the tier-1 reply. */
    async button(ref: ItemRef, userId: string, what: 'solved' | 'resolved' | 'waiting' | 'pairing') {
      const row = await byRef(ref);
      const actor = await actorOf(row, userId);
      if (what === 'solved') {
        if (actor.role !== 'asker' && row.askerId !== userId)
          throw forbidden('Only the person who asked can say it is solved.');
        return act(row.id, { userId, role: 'asker' }, { kind: 'resolve', by: 'asker' }, 'support.solved', ref);
      }
      if (what === 'resolved') {
        if (actor.role === 'other') throw forbidden('Only the asker or the platform team can resolve this.');
        const by = actor.role === 'responder' ? 'responder' : 'asker';
        return act(row.id, actor, { kind: 'resolve', by }, 'support.resolve', ref);
      }
      if (what === 'waiting') {
        const by = actor.role === 'responder' ? 'responder' : 'asker';
        return act(row.id, actor, { kind: 'wait', by }, 'support.wait', ref);
      }
      if (actor.role === 'other') throw forbidden('Only the asker or the platform team can ask for pairing.');
      const by = actor.role === 'responder' ? 'responder' : 'asker';
      const result = await act(row.id, actor, { kind: 'needs-pairing', by }, 'support.pairing', ref);
      if (result.changed) {
        const hours = deps.officeHours ? await deps.officeHours().catch(() => null) : null;
        await notifier.pairing(result.after, config.triageChannel, await onDutyNow(clock.now()), hours);
      }
      return result;
    },

    /** A priority button: the asker or a responder; a paging priority pages on the next sweep, at once. */
    async setPriority(ref: ItemRef, userId: string, priority: string) {
      if (!policies.some((p) => p.id === priority)) throw invalidInput(`Unknown priority ${priority}.`);
      const row = await byRef(ref);
      const actor = await actorOf(row, userId);
      if (actor.role === 'other') throw forbidden('Only the asker or the platform team can change the priority.');
      return act(row.id, actor, { kind: 'set-priority', priority }, 'support.priority', ref);
    },

    /** The asker's 1–5 rating, once. */
    async rate(ref: ItemRef, userId: string, rating: number): Promise<boolean> {
      const row = await byRef(ref);
      if (row.askerId !== userId) throw forbidden('Only the person who asked can rate the answer.');
      if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw invalidInput('A rating is 1 to 5.');
      const stored = await repo.transaction(async () => {
        if (!(await repo.rate(row.id, rating))) return false;
        await audit.record({ actor: userId, action: 'support.csat', target: target(row), inputs: { rating } });
        return true;
      });
      return stored;
    },

    mine: (userId: string, limit = 5) => repo.byAsker(userId, true, limit),
  };

  /** 📖 by a responder on a reply in a ticket's thread: question + answer saved for later tier-1 replies. */
  async function saveAnswer(channelId: string, ts: string, userId: string): Promise<void> {
    const reply = await repo.message(channelId, ts);
    if (reply?.kind !== 'reply' || reply.text === null) return;
    if (!(await isResponder(userId))) return;
    const row = await repo.get(reply.ticketId);
    if (!row || row.text === null) return;
    const permalink = await notifier.permalink(row, ts).catch(() => null);
    const saved = await repo.transaction(async () => {
      const answer = await repo.saveAnswer({
        ticketId: row.id,
        answerTs: ts,
        question: row.text!,
        answer: reply.text!,
        permalink,
        savedBy: userId,
        savedAt: clock.now(),
      });
      if (answer)
        await audit.record({ actor: userId, action: 'support.save-answer', target: target(row), inputs: { ts } });
      return answer;
    });
    if (saved) await notifier.answerSaved(row, userId);
  }
}

export type SupportService = ReturnType<typeof createSupportService>;
