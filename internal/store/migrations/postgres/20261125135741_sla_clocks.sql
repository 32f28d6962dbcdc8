-- +goose Up
-- modify "sla_policies" table
ALTER TABLE "sla_policies" ADD COLUMN "conditions" jsonb NULL, ADD COLUMN "position" bigint NOT NULL DEFAULT 0;
-- modify "tickets" table
ALTER TABLE "tickets" ADD COLUMN "sla_state" character varying NOT NULL DEFAULT 'NONE', ADD COLUMN "next_due_at" timestamptz NULL, ADD COLUMN "sla_policy_explicit" boolean NOT NULL DEFAULT false;
-- create index "ticket_next_due_at" to table: "tickets"
CREATE INDEX "ticket_next_due_at" ON "tickets" ("next_due_at");
-- create index "ticket_sla_state" to table: "tickets"
CREATE INDEX "ticket_sla_state" ON "tickets" ("sla_state");
-- create "sla_clocks" table
CREATE TABLE "sla_clocks" ("id" character varying NOT NULL, "metric" character varying NOT NULL, "target_seconds" bigint NOT NULL, "started_at" timestamptz NULL, "pauses" jsonb NOT NULL, "paused_since" timestamptz NULL, "due_at" timestamptz NULL, "met_at" timestamptz NULL, "breached_at" timestamptz NULL, "stopped_at" timestamptz NULL, "fired_percent" bigint NOT NULL DEFAULT 0, "version" bigint NOT NULL DEFAULT 1, "ticket_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "sla_clocks_tickets_ticket" FOREIGN KEY ("ticket_id") REFERENCES "tickets" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "slaclock_ticket_id_metric" to table: "sla_clocks"
CREATE UNIQUE INDEX "slaclock_ticket_id_metric" ON "sla_clocks" ("ticket_id", "metric");

-- +goose Down
-- reverse: create index "slaclock_ticket_id_metric" to table: "sla_clocks"
DROP INDEX "slaclock_ticket_id_metric";
-- reverse: create "sla_clocks" table
DROP TABLE "sla_clocks";
-- reverse: create index "ticket_sla_state" to table: "tickets"
DROP INDEX "ticket_sla_state";
-- reverse: create index "ticket_next_due_at" to table: "tickets"
DROP INDEX "ticket_next_due_at";
-- reverse: modify "tickets" table
ALTER TABLE "tickets" DROP COLUMN "sla_policy_explicit", DROP COLUMN "next_due_at", DROP COLUMN "sla_state";
-- reverse: modify "sla_policies" table
ALTER TABLE "sla_policies" DROP COLUMN "position", DROP COLUMN "conditions";
