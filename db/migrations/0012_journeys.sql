CREATE TABLE "journey_graphs" (
	"journey" text PRIMARY KEY NOT NULL,
	"graph" jsonb NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journey_settings" (
	"journey" text PRIMARY KEY NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"rollout_percent" integer DEFAULT 100 NOT NULL,
	"test_recipients" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "events_received_brin_idx" ON "events" USING brin ("received_at");