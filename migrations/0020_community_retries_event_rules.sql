ALTER TABLE `community_announcements` ADD `tries` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `community_events` ADD `min_attendees` integer;--> statement-breakpoint
ALTER TABLE `community_events` ADD `agenda_days_before` integer;