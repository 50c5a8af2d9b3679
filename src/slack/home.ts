import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Core } from '../capability.js';
import type { Logger } from '../logger.js';
import type { PeopleService } from '../people/service.js';
import type { HomeRegistry } from './home-registry.js';

/**
 * Builds and publishes one user's Home tab from every registered section. A Home that could not be built or
 * published is logged here, whoever asked for it (an opened tab, a notifier refreshing it), then thrown.
 */
export function createHomePublisher(
  client: WebClient,
  parts: { home: HomeRegistry; people: PeopleService; logger: Pick<Logger, 'error'> },
) {
  return async (userId: string): Promise<void> => {
    try {
      const role = await parts.people.roleOf(userId).catch(() => 'member' as const);
      const blocks = await parts.home.blocksFor({ userId, role });
      await client.views.publish({ user_id: userId, view: { type: 'home', blocks } });
    } catch (error) {
      parts.logger.error(`publishing the Home tab for ${userId} failed:`, error);
      throw error;
    }
  };
}

export function registerHomeTab(app: App, core: Pick<Core, 'publishHome'>): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    // A failure is logged by the publisher; the next opening of the tab tries again.
    await core.publishHome(event.user).catch(() => undefined);
  });
}
