import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Services } from '../services.js';

/** Builds and publishes one user's Home tab from every registered section. */
export function createHomePublisher(client: WebClient, services: Pick<Services, 'home' | 'people'>) {
  return async (userId: string): Promise<void> => {
    const role = await services.people.roleOf(userId).catch(() => 'member' as const);
    const blocks = await services.home.blocksFor({ userId, role });
    await client.views.publish({ user_id: userId, view: { type: 'home', blocks } });
  };
}

export function registerHomeTab(app: App, services: Services, publishHome: (userId: string) => Promise<void>): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    try {
      await publishHome(event.user);
    } catch (error) {
      services.logger.error(`publishing the Home tab for ${event.user} failed:`, error);
    }
  });
}
