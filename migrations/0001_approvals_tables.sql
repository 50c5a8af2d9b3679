CREATE TABLE `approval_decisions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`approval_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`decision` text NOT NULL,
	`reason` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`approval_id`) REFERENCES `approvals`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `approval_decisions_approval_user_idx` ON `approval_decisions` (`approval_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `approval_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`approval_id` integer NOT NULL,
	`channel` text NOT NULL,
	`ts` text NOT NULL,
	`user_id` text,
	`posted_at` integer NOT NULL,
	FOREIGN KEY (`approval_id`) REFERENCES `approvals`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `approval_messages_approval_idx` ON `approval_messages` (`approval_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `approval_messages_channel_ts_idx` ON `approval_messages` (`channel`,`ts`);--> statement-breakpoint
CREATE TABLE `approvals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`requester` text NOT NULL,
	`required` integer NOT NULL,
	`approvers` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`resolved_at` integer,
	`cancelled_by` text
);
--> statement-breakpoint
CREATE INDEX `approvals_subject_idx` ON `approvals` (`subject_type`,`subject_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `approvals_status_expires_idx` ON `approvals` (`status`,`expires_at`);