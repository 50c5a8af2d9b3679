CREATE TABLE "survey_micro_asks" (
	"survey_id" text NOT NULL,
	"user_id" text NOT NULL,
	"asked_at" timestamp (3) with time zone NOT NULL,
	"period" text NOT NULL,
	"pending" boolean NOT NULL,
	CONSTRAINT "survey_micro_asks_pk" PRIMARY KEY("survey_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "survey_micro_tallies" (
	"survey_id" text NOT NULL,
	"period" text NOT NULL,
	"score" bigint NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "survey_micro_tallies_pk" PRIMARY KEY("survey_id","period","score")
);
--> statement-breakpoint
ALTER TABLE "survey_waves" ADD COLUMN "chart_file_id" text;