CREATE TABLE `deploy_freeze_sweeps` (
	`id` integer PRIMARY KEY NOT NULL,
	`swept_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `deploy_freeze_announcements` ADD `end_announced_at` integer;