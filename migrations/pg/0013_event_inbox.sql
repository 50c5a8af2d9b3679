CREATE TABLE "event_inbox" (
	"event_id" text PRIMARY KEY NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	"type" text NOT NULL,
	"team_id" text,
	"body" text,
	"attempts" bigint NOT NULL,
	"next_attempt_at" timestamp (3) with time zone,
	"handled_at" timestamp (3) with time zone,
	"gave_up_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE INDEX "event_inbox_received_idx" ON "event_inbox" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "event_inbox_next_attempt_idx" ON "event_inbox" USING btree ("next_attempt_at");--> statement-breakpoint
INSERT INTO "event_inbox" ("event_id", "received_at", "type", "attempts", "handled_at") SELECT "event_id", "received_at", '', 1, "received_at" FROM "processed_events";