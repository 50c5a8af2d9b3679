import type { KnownBlock } from '@slack/types';
import type { Role } from '../people/service.js';
import { mrkdwn, mrkdwnText } from './mrkdwn.js';

export interface HomeViewer {
  userId: string;
  role: Role;
}

/** A capability's part of the Home tab. Lower `order` shows first. */
export interface HomeSection {
  id: string;
  order: number;
  build(viewer: HomeViewer): Promise<KnownBlock[]> | KnownBlock[];
}

export const HOME_BLOCK_LIMIT = 100;

export class HomeRegistry {
  private readonly sections: HomeSection[] = [];

  add(section: HomeSection): void {
    if (this.sections.some((s) => s.id === section.id)) throw new Error(`home section "${section.id}" added twice`);
    this.sections.push(section);
    this.sections.sort((a, b) => a.order - b.order);
  }

  /** All sections' blocks for this viewer, within Slack's 100-block limit for a Home tab. */
  async blocksFor(viewer: HomeViewer): Promise<KnownBlock[]> {
    const parts = await Promise.all(this.sections.map((s) => s.build(viewer)));
    const blocks = parts.flat();
    if (blocks.length <= HOME_BLOCK_LIMIT) return blocks;
    return [
      ...blocks.slice(0, HOME_BLOCK_LIMIT - 1),
      {
        type: 'context',
        elements: [mrkdwnText(mrkdwn`More is available through \`/platform\` commands.`)],
      },
    ];
  }
}
