ALTER TABLE `approvals` ADD `nonce` text;--> statement-breakpoint
ALTER TABLE `deploys` ADD `nonce` text;--> statement-breakpoint
ALTER TABLE `requests` ADD `nonce` text;