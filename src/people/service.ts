import type { Clock } from '../clock.js';
import type { Principals, TeamConfig } from '../config.js';

export type Role = 'admin' | 'platform' | 'member';

export const ROLE_LABEL: Record<Role, string> = {
  admin: 'groundcrew admin',
  platform: 'platform team',
  member: 'member',
};

/** Port: who is in a usergroup. The Slack adapter implements it with usergroups.users.list. */
export interface UsergroupDirectory {
  members(usergroupId: string): Promise<string[]>;
}

export interface PeopleService {
  roleOf(userId: string): Promise<Role>;
  /** True when the user is named directly, or is a member of one of the usergroups. */
  isIn(userId: string, principals: Principals): Promise<boolean>;
  /** Every user named directly or through a usergroup (deduplicated, in config order). */
  expand(principals: Principals): Promise<string[]>;
  /** Can the caller act as at least `role`? */
  hasRole(userId: string, role: Role): Promise<boolean>;
  /** The role when it is known without asking Slack (admins, named people, fresh usergroup cache); else undefined. */
  knownRoleOf(userId: string): Role | undefined;
}

const RANK: Record<Role, number> = { member: 0, platform: 1, admin: 2 };

/** Does `role` reach `minRole` (member < platform < admin)? */
export function roleAtLeast(role: Role, minRole: Role): boolean {
  return RANK[role] >= RANK[minRole];
}

export function createPeopleService(
  team: Pick<TeamConfig, 'admins' | 'platformTeam'>,
  directory: UsergroupDirectory,
  clock: Clock,
  cacheMs = 5 * 60_000,
): PeopleService {
  const cache = new Map<string, { at: number; members: Promise<string[]>; resolved?: readonly string[] }>();

  function groupMembers(id: string): Promise<string[]> {
    const now = clock.now().getTime();
    const hit = cache.get(id);
    if (hit && now - hit.at < cacheMs) return hit.members;
    const entry: { at: number; members: Promise<string[]>; resolved?: readonly string[] } = {
      at: now,
      members: directory.members(id).then(
        (members) => {
          entry.resolved = members;
          return members;
        },
        (error: unknown) => {
          cache.delete(id);
          throw error;
        },
      ),
    };
    cache.set(id, entry);
    return entry.members;
  }

  /** Members of a usergroup when a fresh, settled answer is cached; else undefined. */
  function cachedMembers(id: string): readonly string[] | undefined {
    const hit = cache.get(id);
    return hit && clock.now().getTime() - hit.at < cacheMs ? hit.resolved : undefined;
  }

  async function isIn(userId: string, principals: Principals): Promise<boolean> {
    if (principals.users.includes(userId)) return true;
    for (const group of principals.usergroups) {
      if ((await groupMembers(group)).includes(userId)) return true;
    }
    return false;
  }

  async function roleOf(userId: string): Promise<Role> {
    if (team.admins.includes(userId)) return 'admin';
    return (await isIn(userId, team.platformTeam)) ? 'platform' : 'member';
  }

  return {
    roleOf,
    isIn,
    async expand(principals) {
      const all = [...principals.users];
      for (const group of principals.usergroups) all.push(...(await groupMembers(group)));
      return [...new Set(all)];
    },
    knownRoleOf(userId) {
      if (team.admins.includes(userId)) return 'admin';
      if (team.platformTeam.users.includes(userId)) return 'platform';
      let member = false;
      for (const group of team.platformTeam.usergroups) {
        const members = cachedMembers(group);
        if (!members) return undefined;
        member ||= members.includes(userId);
      }
      return member ? 'platform' : 'member';
    },
    async hasRole(userId, role) {
      return roleAtLeast(await roleOf(userId), role);
    },
  };
}
