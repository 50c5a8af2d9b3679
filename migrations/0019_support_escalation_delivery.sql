ALTER TABLE `support_escalations` ADD `delivery` text DEFAULT 'delivered' NOT NULL;--> statement-breakpoint
ALTER TABLE `support_escalations` ADD `delivered` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `support_escalations` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `support_escalations` ADD `delivering_until` integer;--> statement-breakpoint
ALTER TABLE `support_escalations` ADD `last_error` text;--> statement-breakpoint
CREATE INDEX `support_escalations_owed_idx` ON `support_escalations` (`delivery`,`delivering_until`);