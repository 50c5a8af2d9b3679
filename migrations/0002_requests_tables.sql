CREATE TABLE `requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type_id` text NOT NULL,
	`requester` text NOT NULL,
	`fields` text NOT NULL,
	`status` text NOT NULL,
	`mode` text NOT NULL,
	`submitted_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer,
	`approval_id` integer,
	`claimed_by` text,
	`resolved_by` text,
	`message` text,
	`outputs` text,
	`webhook_attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`delivered_at` integer,
	`last_error` text,
	`queue_channel` text,
	`queue_ts` text,
	`sla_flagged_at` integer
);
--> statement-breakpoint
CREATE INDEX `requests_requester_idx` ON `requests` (`requester`,`submitted_at`);--> statement-breakpoint
CREATE INDEX `requests_status_idx` ON `requests` (`status`);--> statement-breakpoint
CREATE INDEX `requests_next_attempt_idx` ON `requests` (`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `requests_type_idx` ON `requests` (`type_id`,`submitted_at`);