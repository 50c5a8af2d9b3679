ALTER TABLE "approvals" ADD COLUMN "nonce" text;--> statement-breakpoint
ALTER TABLE "deploys" ADD COLUMN "nonce" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "nonce" text;