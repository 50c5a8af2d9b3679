CREATE TABLE `deploy_freeze_announcements` (
	`key` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`environments` text NOT NULL,
	`until` integer NOT NULL,
	`announced_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `deploy_freezes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`environment` text NOT NULL,
	`reason` text NOT NULL,
	`starts_at` integer NOT NULL,
	`until` integer NOT NULL,
	`created_by` text NOT NULL,
	`ended_by` text
);
--> statement-breakpoint
CREATE INDEX `deploy_freezes_until_idx` ON `deploy_freezes` (`until`);--> statement-breakpoint
CREATE TABLE `deploy_lock_watchers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lock_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`notified_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deploy_lock_watchers_lock_user_idx` ON `deploy_lock_watchers` (`lock_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `deploy_locks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`environment` text NOT NULL,
	`service` text,
	`holder` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`released_at` integer,
	`released_by` text,
	`release_kind` text
);
--> statement-breakpoint
CREATE INDEX `deploy_locks_env_idx` ON `deploy_locks` (`environment`,`released_at`);--> statement-breakpoint
CREATE TABLE `deploys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`service` text NOT NULL,
	`environment` text NOT NULL,
	`ref` text NOT NULL,
	`reason` text,
	`requested_by` text NOT NULL,
	`status` text NOT NULL,
	`executor` text NOT NULL,
	`break_glass_reason` text,
	`rollback_of` integer,
	`requested_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`finished_by` text,
	`approval_id` integer,
	`approved_by` text,
	`run_id` text,
	`run_url` text,
	`next_poll_at` integer,
	`poll_attempts` integer DEFAULT 0 NOT NULL,
	`poll_errors` integer DEFAULT 0 NOT NULL,
	`detail` text,
	`channel` text,
	`message_ts` text
);
--> statement-breakpoint
CREATE INDEX `deploys_service_env_idx` ON `deploys` (`service`,`environment`,`requested_at`);--> statement-breakpoint
CREATE INDEX `deploys_status_idx` ON `deploys` (`status`);--> statement-breakpoint
CREATE INDEX `deploys_requested_by_idx` ON `deploys` (`requested_by`,`requested_at`);--> statement-breakpoint
CREATE INDEX `deploys_approval_idx` ON `deploys` (`approval_id`);