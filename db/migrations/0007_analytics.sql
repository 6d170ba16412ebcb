DROP INDEX "message_events_message_idx";--> statement-breakpoint
CREATE INDEX "messages_journey_idx" ON "messages" USING btree ("journey","requested_at");--> statement-breakpoint
CREATE INDEX "messages_customer_journey_idx" ON "messages" USING btree ("customer_id","journey","requested_at");--> statement-breakpoint
CREATE INDEX "messages_requested_idx" ON "messages" USING btree ("requested_at");--> statement-breakpoint
CREATE INDEX "message_events_message_idx" ON "message_events" USING btree ("message_id","type","occurred_at");