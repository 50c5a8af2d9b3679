import type { AuditLog } from '../audit/repo.js';
import { type Clock, formatDuration } from '../clock.js';
import { conflict, forbidden, invalidInput, notFound } from '../errors.js';
import { type ItemRef, refMatches } from '../item-ref.js';
import type { Logger } from '../logger.js';
import { mention, mrkdwn, trusted, userMention } from '../mrkdwn.js';
import type { DeploysConfig } from './config.js';
import {
  type ActiveFreeze,
  activeFreezes,
  type FreezeSources,
  type FreezeStatus,
  formatLocal,
  freezeStatus,
  freezesBetween,
} from './freezes.js';
import { type LockView, scopeName, unknownEnvironmentMessage, unknownServiceMessage } from './model.js';
import type { DeployNotifier } from './ports.js';
import type { DeploysRepo } from './repo.js';
import type { LockRow } from './schema.js';

export interface GuardrailsDeps {
  config: DeploysConfig;
  /** The freezes' zone (config `freezes.timezone`, else the team's). */
  zone: string;
  repo: DeploysRepo;
  clock: Clock;
  audit: Pick<AuditLog, 'record'>;
  notifier: DeployNotifier;
  logger: Logger;
}

const MAX_LOCK_MS = 7 * 24 * 3600_000;

const toView = (row: LockRow): LockView => ({
  id: row.id,
  nonce: row.nonce,
  environment: row.environment,
  service: row.service,
  holder: row.holder,
  reason: row.reason,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
});

/** Locks and freezes: who holds what, what is frozen, and telling people when either changes. */
export function createGuardrails(deps: GuardrailsDeps) {
  const { config, zone, repo, clock, audit, notifier, logger } = deps;
  const envNames = config.environments.map((e) => e.name);

  async function sources(now: Date): Promise<FreezeSources> {
    const adhoc = (await repo.adhocFreezes(now)).map((f) => ({
      id: f.id,
      environment: f.environment,
      reason: f.reason,
      startsAt: f.startsAt,
      until: f.until,
      createdBy: f.createdBy,
    }));
    return { config: config.freezes, adhoc, zone };
  }

  function requireEnvironment(name: string, allowAll: boolean): void {
    if (allowAll && name === 'all') return;
    if (!envNames.includes(name)) {
      throw invalidInput(unknownEnvironmentMessage(config, name, allowAll));
    }
  }

  async function tellWatchers(lock: LockRow, now: Date): Promise<void> {
    const what = scopeName(lock.environment, lock.service);
    for (const userId of await repo.takeWatchers(lock.id, now)) {
      try {
        await notifier.dm(
          userId,
          mrkdwn`:unlock: ${what} is free: ${mention(lock.holder)}'s lock ("${lock.reason}") was released.`,
        );
      } catch (error) {
        logger.error(`deploys: telling ${userId} that lock ${lock.id} is free failed:`, error);
      }
    }
  }

  async function conflicting(
    environment: string,
    service: string | null,
    userId: string,
    now: Date,
  ): Promise<LockRow | undefined> {
    return (await repo.activeLocks(now)).find(
      (l) =>
        l.environment === environment &&
        l.holder !== userId &&
        (l.service === null || service === null || l.service === service),
    );
  }

  return {
    zone,
    freezeSources: sources,
    async freezeStatus(environment: string, now: Date): Promise<FreezeStatus | null> {
      return freezeStatus(await sources(now), environment, now);
    },
    async activeFreezes(now: Date): Promise<ActiveFreeze[]> {
      return activeFreezes(await sources(now), now);
    },
    async activeLocks(now: Date): Promise<LockView[]> {
      return (await repo.activeLocks(now)).map(toView);
    },
    async lock(
      userId: string,
      input: { environment: string; service: string | null; reason: string; forMs?: number | undefined },
    ) {
      requireEnvironment(input.environment, false);
      if (input.service && !config.services.some((s) => s.name === input.service)) {
        throw invalidInput(unknownServiceMessage(config, input.service));
      }
      const now = clock.now();
      const forMs = input.forMs ?? config.lockDuration;
      if (forMs > MAX_LOCK_MS) throw invalidInput('A lock lasts at most 7 days; renew it if you need longer.');
      const expiresAt = new Date(now.getTime() + forMs);
      // Read, decide and write in one transaction: two locks taken at once cannot both see the scope free.
      return repo.transaction(async () => {
        const other = await conflicting(input.environment, input.service, userId, now);
        if (other) {
          throw conflict(
            mrkdwn`${scopeName(other.environment, other.service)} is already locked by ${mention(other.holder)} ("${other.reason}") until ${formatLocal(other.expiresAt, zone, now)}.`,
          );
        }
        const own = (await repo.activeLocks(now)).find(
          (l) => l.holder === userId && l.environment === input.environment && l.service === input.service,
        );
        const renewed = own ? await repo.renewLock(own.id, { reason: input.reason, expiresAt }) : null;
        const audited = async (lock: LockRow, action: string) => {
          await audit.record({ actor: userId, action, target: `lock:${lock.id}`, inputs: { ...input, forMs } });
          return lock;
        };
        // Locking again what you hold renews it: one lock, so one unlock frees it.
        if (renewed) return audited(renewed, 'deploys.lock-renewed');
        const lock = await repo.insertLock({
          environment: input.environment,
          service: input.service,
          holder: userId,
          reason: input.reason,
          createdAt: now,
          expiresAt,
        });
        return audited(lock, 'deploys.lock');
      });
    },
    /** Releases the caller's lock; an admin releasing someone else's breaks it (audited, holder told). */
    async unlock(userId: string, input: { environment: string; service: string | null }, isAdmin: boolean) {
      const now = clock.now();
      const locks = (await repo.activeLocks(now)).filter(
        (l) => l.environment === input.environment && l.service === input.service,
      );
      const lock = locks.find((l) => l.holder === userId) ?? locks[0];
      const what = scopeName(input.environment, input.service);
      if (!lock) throw notFound(`${what} is not locked.`);
      const broken = lock.holder !== userId;
      if (broken && !isAdmin) {
        throw forbidden(`${what} is locked by <@${lock.holder}>; only they or an admin can unlock it.`);
      }
      const released = await repo.releaseLock(lock.id, {
        releasedAt: now,
        releasedBy: userId,
        releaseKind: broken ? 'broken' : 'unlocked',
      });
      if (!released) throw conflict(`${what} was just unlocked.`);
      await audit.record({
        actor: userId,
        action: broken ? 'deploys.break-lock' : 'deploys.unlock',
        target: `lock:${lock.id}`,
        inputs: { ...input, holder: lock.holder },
      });
      if (broken) {
        await notifier
          .dm(lock.holder, mrkdwn`:warning: ${mention(userId)} (admin) broke your lock on ${what} ("${lock.reason}").`)
          .catch((error: unknown) => logger.error('deploys: telling a lock holder failed:', error));
      }
      await tellWatchers(released, now);
      return { lock: released, broken };
    },
    /** Watches the lock `ref` names; null when the reference was made for another lock than the one under its id. */
    async watch(ref: ItemRef, userId: string): Promise<LockRow | null> {
      const lockId = ref.id;
      const lock = await repo.getLock(lockId);
      if (!lock) throw notFound('That lock no longer exists.');
      if (!refMatches(ref, lock)) return null;
      if (lock.releasedAt || lock.expiresAt <= clock.now()) throw conflict('That lock has already been released.');
      await repo.addWatcher(lockId, userId, clock.now());
      await audit.record({ actor: userId, action: 'deploys.watch-lock', target: `lock:${lockId}` });
      return lock;
    },
    async expireLocks(now: Date): Promise<number> {
      const due = await repo.expiredLocks(now);
      for (const lock of due) {
        const released = await repo.releaseLock(lock.id, {
          releasedAt: now,
          releasedBy: 'system',
          releaseKind: 'expired',
        });
        if (!released) continue;
        await audit.record({ actor: 'system', action: 'deploys.lock-expired', target: `lock:${lock.id}` });
        const what = scopeName(lock.environment, lock.service);
        await notifier
          .dm(
            lock.holder,
            mrkdwn`:hourglass: Your lock on ${what} ("${lock.reason}") expired after ${formatDuration(now.getTime() - lock.createdAt.getTime())}.`,
          )
          .catch((error: unknown) => logger.error('deploys: lock expiry DM failed:', error));
        await tellWatchers(released, now);
      }
      return due.length;
    },
    async freeze(userId: string, input: { environment: string; until: Date; reason: string }) {
      requireEnvironment(input.environment, true);
      const now = clock.now();
      const row = await repo.insertFreeze({ ...input, startsAt: now, createdBy: userId });
      await audit.record({
        actor: userId,
        action: 'deploys.freeze',
        target: `freeze:${row.id}`,
        inputs: { environment: input.environment, until: input.until.toISOString(), reason: input.reason },
      });
      return row;
    },
    async unfreeze(userId: string, environment: string): Promise<number> {
      requireEnvironment(environment, true);
      const now = clock.now();
      const adhoc = await repo.adhocFreezes(now);
      const ended = adhoc.filter((f) => f.environment === environment && f.startsAt <= now);
      if (ended.length === 0) {
        const others = adhoc.filter((f) => f.startsAt <= now);
        if (others.length > 0) {
          const names = [...new Set(others.map((f) => f.environment))].join(', ');
          throw notFound(
            `There is no /platform freeze on ${environment} itself; the ones in force are on ${names} — \`/platform unfreeze ${others[0]!.environment}\`.`,
          );
        }
        const configured = freezeStatus(
          await sources(now),
          environment === 'all' ? (envNames[0] ?? '') : environment,
          now,
        );
        throw notFound(
          configured && configured.freeze.kind !== 'adhoc'
            ? mrkdwn`${environment} is frozen by configuration (${configured.freeze.reason}); change groundcrew.yml or break glass to deploy.`
            : `There is no /platform freeze on ${environment} to end.`,
        );
      }
      for (const f of ended) await repo.endFreeze(f.id, now, userId);
      await audit.record({
        actor: userId,
        action: 'deploys.unfreeze',
        target: `environment:${environment}`,
        inputs: { freezes: ended.map((f) => f.id) },
      });
      return ended.length;
    },
    /**
     * Announces, once each, every freeze start and end since the last sweep (configured windows included). A
     * freeze that began and ended between two sweeps (or while the app was down) gets one message saying when
     * it was. Each announcement is claimed in the database before it is posted, so the command that froze and
     * the minute job never both post it. Pass a `now` read after the change being announced.
     */
    async announceFreezeTransitions(now: Date): Promise<void> {
      const since = (await repo.advanceFreezeSweep(now)) ?? now;
      const active = activeFreezes(await sources(now), now);
      const scope = (envs: readonly string[] | 'all') => (envs === 'all' ? 'all environments' : envs.join(', '));
      const stored = (freeze: ActiveFreeze, endAnnouncedAt: Date | null) => ({
        key: freeze.key,
        reason: freeze.reason,
        environments: freeze.environments === 'all' ? ('all' as const) : [...freeze.environments],
        until: freeze.until,
        announcedAt: now,
        endAnnouncedAt,
      });
      for (const freeze of active) {
        if (!(await repo.claimStart(stored(freeze, null)))) continue;
        const by = trusted(freeze.createdBy ? ` by ${userMention(freeze.createdBy)}` : '');
        try {
          await notifier.announce(
            mrkdwn`:snowflake: Freeze started${by} on ${scope(freeze.environments)} until ${formatLocal(freeze.until, zone, now)} — ${freeze.reason}. Deploys there are blocked; admins can break glass.`,
          );
        } catch (error) {
          // Claimed first so a concurrent sweep skips it; released when the post fails, so the next run retries.
          await repo.releaseStart(freeze.key);
          logger.error('deploys: announcing a freeze start failed (retried on the next run):', error);
        }
      }
      for (const open of await repo.openAnnouncements()) {
        if (active.some((f) => f.key === open.key) || !(await repo.claimEnd(open.key, now))) continue;
        const adhoc = /^adhoc:(\d+)$/.exec(open.key);
        const endedBy = adhoc ? (await repo.getFreeze(Number(adhoc[1])))?.endedBy : null;
        const how = trusted(endedBy ? ` early by ${userMention(endedBy)}` : '');
        try {
          await notifier.announce(
            mrkdwn`:sunny: Freeze ended${how} on ${scope(open.environments)} — ${open.reason}. Deploys are open again.`,
          );
        } catch (error) {
          await repo.releaseEnd(open.key);
          logger.error('deploys: announcing a freeze end failed (retried on the next run):', error);
        }
      }
      // Began and ended since the last sweep: never announced, so one message with both ends.
      const between = freezesBetween(await sources(since), since, now);
      for (const freeze of between) {
        if (freeze.until > now || !(await repo.claimStart(stored(freeze, now)))) continue;
        const by = trusted(freeze.createdBy ? ` by ${userMention(freeze.createdBy)}` : '');
        const from = formatLocal(freeze.from, zone, now).replace(` ${zone}`, '');
        await notifier.announce(
          mrkdwn`:snowflake: A freeze${by} on ${scope(freeze.environments)} ran from ${from} to ${formatLocal(freeze.until, zone, now)} — ${freeze.reason}. It ended before it could be announced; deploys there are open.`,
        );
      }
    },
  };
}

export type Guardrails = ReturnType<typeof createGuardrails>;
