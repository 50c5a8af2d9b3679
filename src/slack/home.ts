import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Core } from '../capability.js';
import type { PeopleService } from '../people/service.js';
import type { HomeRegistry } from './home-registry.js';

/** Builds and publishes one user's Home tab from every registered section. */
export function createHomePublisher(client: WebClient, parts: { home: HomeRegistry; people: PeopleService }) {
  return async (userId: string): Promise<void> => {
    const role = await parts.people.roleOf(userId).catch(() => 'member' as const);
    const blocks = await parts.home.blocksFor({ userId, role });
    await client.views.publish({ user_id: userId, view: { type: 'home', blocks } });
  };
}

export function registerHomeTab(app: App, core: Pick<Core, 'logger' | 'publishHome'>): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    try {
      await core.publishHome(event.user);
    } catch (error) {
      core.logger.error(`publishing the Home tab for ${event.user} failed:`, error);
    }
  });
}
