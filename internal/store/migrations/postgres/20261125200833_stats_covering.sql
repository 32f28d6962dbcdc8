-- +goose Up
-- drop index "ticket_created_at" from table: "tickets"
DROP INDEX "ticket_created_at";
-- create index "ticket_created_at" to table: "tickets"
CREATE INDEX "ticket_created_at" ON "tickets" ("created_at") INCLUDE ("team_id", "status", "priority", "channel", "assignee_id", "first_responded_at", "resolved_at", "working_seconds", "waiting_seconds", "sla_state");

-- +goose Down
-- reverse: create index "ticket_created_at" to table: "tickets"
DROP INDEX "ticket_created_at";
-- reverse: drop index "ticket_created_at" from table: "tickets"
CREATE INDEX "ticket_created_at" ON "tickets" ("created_at");
