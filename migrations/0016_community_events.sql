CREATE TABLE `community_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`community` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`start` text NOT NULL,
	`timezone` text NOT NULL,
	`duration` integer NOT NULL,
	`location` text,
	`link` text,
	`capacity` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `community_events_community_idx` ON `community_events` (`community`);--> statement-breakpoint
CREATE INDEX `community_announcements_post_idx` ON `community_announcements` (`channel`,`ts`);