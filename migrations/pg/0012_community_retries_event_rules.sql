ALTER TABLE "community_announcements" ADD COLUMN "tries" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "community_events" ADD COLUMN "min_attendees" bigint;--> statement-breakpoint
ALTER TABLE "community_events" ADD COLUMN "agenda_days_before" bigint;