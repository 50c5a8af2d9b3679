ALTER TABLE `approvals` ADD `card_channel` text;--> statement-breakpoint
ALTER TABLE `approvals` ADD `cards_sent_at` integer;--> statement-breakpoint
ALTER TABLE `requests` ADD `webhook_attempt_started_at` integer;--> statement-breakpoint
UPDATE `approvals` SET `cards_sent_at` = `created_at`;
