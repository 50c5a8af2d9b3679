/** The pretend workspace the playground simulates: one team, one bot, four people, three channels. */
export const TEAM = { id: 'T0PLAYGRND', domain: 'playground' } as const;
export const APP_ID = 'A0PLAYGRND';
export const BOT = { userId: 'U0GROUNDCRW', botId: 'B0GROUNDCRW', name: 'groundcrew' } as const;
export const VERIFICATION_TOKEN = 'playground-verification-token';

export interface PlaygroundPerson {
  id: string;
  name: string;
  realName: string;
  /** What this person is for in the demo. */
  role: string;
}

export const PEOPLE: readonly PlaygroundPerson[] = [
  { id: 'U0ENGINEER', name: 'ada', realName: 'Ada Engineer', role: 'engineer' },
  { id: 'U0APPROVER', name: 'grace', realName: 'Grace Approver', role: 'production approver' },
  { id: 'U0PLATFORM', name: 'pat', realName: 'Pat Platform', role: 'platform team' },
  { id: 'U0ADMIN', name: 'alex', realName: 'Alex Admin', role: 'admin' },
];

/** The usergroup standing for the platform team (answered by usergroups.users.list). */
export const PLATFORM_USERGROUP = { id: 'S0PLATFORM', members: ['U0PLATFORM', 'U0ADMIN'] } as const;

export interface PlaygroundChannel {
  id: string;
  name: string;
  topic: string;
}

export const CHANNELS: readonly PlaygroundChannel[] = [
  { id: 'C0HELP', name: 'platform-help', topic: 'Ask the platform team anything' },
  { id: 'C0DEPLOYS', name: 'deploys', topic: 'Every deploy, live' },
  { id: 'C0REQUESTS', name: 'platform-requests', topic: 'The platform team’s request queue' },
];

/** The DM between a person and the bot: Slack gives it a D… id; here it is derived from the user id. */
export function dmChannelId(userId: string): string {
  return `D${userId.slice(1)}`;
}

export function isDmChannel(channelId: string): boolean {
  return channelId.startsWith('D');
}

export function dmOwner(channelId: string): string | null {
  if (!isDmChannel(channelId)) return null;
  const userId = `U${channelId.slice(1)}`;
  return PEOPLE.some((p) => p.id === userId) ? userId : null;
}
