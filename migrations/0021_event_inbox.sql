CREATE TABLE `event_inbox` (
	`event_id` text PRIMARY KEY NOT NULL,
	`received_at` integer NOT NULL,
	`type` text NOT NULL,
	`team_id` text,
	`body` text,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer,
	`handled_at` integer,
	`gave_up_at` integer
);
--> statement-breakpoint
CREATE INDEX `event_inbox_received_idx` ON `event_inbox` (`received_at`);--> statement-breakpoint
CREATE INDEX `event_inbox_next_attempt_idx` ON `event_inbox` (`next_attempt_at`);--> statement-breakpoint
INSERT INTO `event_inbox` (`event_id`, `received_at`, `type`, `attempts`, `handled_at`) SELECT `event_id`, `received_at`, '', 1, `received_at` FROM `processed_events`;