import { describe, expect, it } from 'vitest';
import { zCommunitiesConfig } from '../../src/communities/config.js';
import { communitiesMessage, howToJoin } from '../../src/communities/slack/blocks.js';
import { IDS } from '../../src/communities/slack/ids.js';
import { EVENT_DURATIONS, eventView } from '../../src/communities/slack/modals.js';
import { blockProblems } from '../../src/playground/block-limits.js';
import { blockText } from '../support/harness.js';
import { communitiesConfig, FRONTEND_CHANNEL, LEAD } from './support.js';

const { communities } = zCommunitiesConfig.parse(communitiesConfig());

describe('communities blocks: the list with Join buttons, and the event form', () => {
  it('gives each community its line, member count when known, and a Join button naming it', () => {
    const message = communitiesMessage(communities, null, new Map([['frontend', 12]]));
    expect(blockProblems(message.blocks, '/blocks')).toEqual([]);
    const text = blockText(message.blocks);
    expect(text).toContain('Frontend guild');
    expect(text).toContain('12 members');
    // No count for a channel Slack said nothing about.
    expect(text).not.toMatch(/Platform office hours[^\n]*\n[^\n]*members/);
    const joins = (message.blocks ?? []).flatMap((b) => {
      const accessory = (b as { accessory?: { action_id?: string; value?: string } }).accessory;
      return accessory?.action_id === IDS.join ? [accessory.value] : [];
    });
    expect(joins).toEqual(['frontend', 'platform']);
  });

  it('stays within the 50-block limit with many communities', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ ...communities[0]!, id: `c${i}`, name: `Community ${i}` }));
    const blocks = communitiesMessage(many, 'Welcome!').blocks ?? [];
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(blockProblems(blocks, '/blocks')).toEqual([]);
  });

  it('says how to join by hand, naming the channel and the leads', () => {
    const said = howToJoin(communities[0]!, 'not_in_channel');
    expect(said).toContain(`<#${FRONTEND_CHANNEL}>`);
    expect(said).toContain('not_in_channel');
    expect(said).toContain(`<@${LEAD}>`);
  });

  it('builds the event form within Slack’s limits, in the lead’s zone, one hour by default', () => {
    const view = eventView(communities, 'America/New_York');
    expect(view.callback_id).toBe(IDS.eventView);
    expect(blockProblems(view.blocks, '/view/blocks')).toEqual([]);
    const json = JSON.stringify(view.blocks);
    expect(json).toContain('"initial_value":"America/New_York"');
    expect(json).toContain('"value":"60"');
    expect(EVENT_DURATIONS).toContain(60);
    // With one community to lead it is chosen already.
    expect(JSON.stringify(eventView([communities[0]!], 'UTC').blocks)).toContain('"initial_option"');
  });
});
