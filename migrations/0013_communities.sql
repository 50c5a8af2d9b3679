CREATE TABLE `community_agenda_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`occurrence_key` text NOT NULL,
	`user_id` text NOT NULL,
	`text` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `community_agenda_items_occurrence_idx` ON `community_agenda_items` (`occurrence_key`,`at`);--> statement-breakpoint
CREATE TABLE `community_announcements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject` text NOT NULL,
	`kind` text NOT NULL,
	`claimed_at` integer NOT NULL,
	`outcome` text,
	`channel` text,
	`ts` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `community_announcements_once_idx` ON `community_announcements` (`subject`,`kind`);--> statement-breakpoint
CREATE TABLE `community_followers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`series_id` text NOT NULL,
	`user_id` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `community_followers_person_idx` ON `community_followers` (`series_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `community_overrides` (
	`occurrence_key` text PRIMARY KEY NOT NULL,
	`series_id` text NOT NULL,
	`original_start` integer NOT NULL,
	`kind` text NOT NULL,
	`start` integer,
	`reason` text,
	`by` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `community_overrides_series_idx` ON `community_overrides` (`series_id`);--> statement-breakpoint
CREATE TABLE `community_rsvps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`occurrence_key` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `community_rsvps_person_idx` ON `community_rsvps` (`occurrence_key`,`user_id`);--> statement-breakpoint
CREATE INDEX `community_rsvps_user_idx` ON `community_rsvps` (`user_id`,`status`);--> statement-breakpoint
CREATE TABLE `community_signups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`occurrence_key` text NOT NULL,
	`user_id` text NOT NULL,
	`topic` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `community_signups_person_idx` ON `community_signups` (`occurrence_key`,`user_id`);