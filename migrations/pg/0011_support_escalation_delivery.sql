ALTER TABLE "support_escalations" ADD COLUMN "delivery" text DEFAULT 'delivered' NOT NULL;--> statement-breakpoint
ALTER TABLE "support_escalations" ADD COLUMN "delivered" json DEFAULT '[]'::json NOT NULL;--> statement-breakpoint
ALTER TABLE "support_escalations" ADD COLUMN "attempts" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "support_escalations" ADD COLUMN "delivering_until" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "support_escalations" ADD COLUMN "last_error" text;--> statement-breakpoint
CREATE INDEX "support_escalations_owed_idx" ON "support_escalations" USING btree ("delivery","delivering_until");