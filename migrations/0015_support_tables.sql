CREATE TABLE `support_answers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_id` integer NOT NULL,
	`answer_ts` text NOT NULL,
	`question` text NOT NULL,
	`answer` text NOT NULL,
	`permalink` text,
	`saved_by` text NOT NULL,
	`saved_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_answers_reply_idx` ON `support_answers` (`ticket_id`,`answer_ts`);--> statement-breakpoint
CREATE TABLE `support_escalations` (
	`ticket_id` integer NOT NULL,
	`step` text NOT NULL,
	`fired_at` integer NOT NULL,
	`sent` integer NOT NULL,
	PRIMARY KEY(`ticket_id`, `step`)
);
--> statement-breakpoint
CREATE TABLE `support_messages` (
	`channel_id` text NOT NULL,
	`ts` text NOT NULL,
	`ticket_id` integer NOT NULL,
	`kind` text NOT NULL,
	`user_id` text NOT NULL,
	`text` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `ts`)
);
--> statement-breakpoint
CREATE INDEX `support_messages_ticket_idx` ON `support_messages` (`ticket_id`);--> statement-breakpoint
CREATE TABLE `support_tickets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`nonce` text,
	`channel_id` text NOT NULL,
	`message_ts` text NOT NULL,
	`asker_id` text NOT NULL,
	`source` text NOT NULL,
	`tracked_by` text,
	`text` text,
	`priority` text NOT NULL,
	`state` text NOT NULL,
	`tier` integer DEFAULT 1 NOT NULL,
	`opened_at` integer NOT NULL,
	`last_message_at` integer NOT NULL,
	`first_response_at` integer,
	`first_responder` text,
	`resolved_at` integer,
	`resolved_by` text,
	`resolver_id` text,
	`pauses` text DEFAULT '[]' NOT NULL,
	`reply_ts` text,
	`next_check_at` integer,
	`csat_asked_at` integer,
	`csat` integer,
	`text_removed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_tickets_message_idx` ON `support_tickets` (`channel_id`,`message_ts`);--> statement-breakpoint
CREATE INDEX `support_tickets_next_check_idx` ON `support_tickets` (`next_check_at`);--> statement-breakpoint
CREATE INDEX `support_tickets_asker_idx` ON `support_tickets` (`asker_id`,`opened_at`);--> statement-breakpoint
CREATE INDEX `support_tickets_state_idx` ON `support_tickets` (`state`,`opened_at`);