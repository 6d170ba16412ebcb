ALTER TABLE "consent_changes" ADD COLUMN "topic" text DEFAULT '*' NOT NULL;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "topic" text DEFAULT '*' NOT NULL;--> statement-breakpoint
ALTER TABLE "consents" DROP CONSTRAINT "consents_customer_id_channel_pk";--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_customer_id_channel_topic_pk" PRIMARY KEY("customer_id","channel","topic");--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "locale" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "sms_segments" integer;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "topic" text;
