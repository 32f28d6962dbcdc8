-- +goose Up
-- create index "ticketevent_created_at" to table: "ticket_events"
CREATE INDEX "ticketevent_created_at" ON "ticket_events" ("created_at");
-- create index "ticket_resolved_at" to table: "tickets"
CREATE INDEX "ticket_resolved_at" ON "tickets" ("resolved_at");

-- +goose Down
-- reverse: create index "ticket_resolved_at" to table: "tickets"
DROP INDEX "ticket_resolved_at";
-- reverse: create index "ticketevent_created_at" to table: "ticket_events"
DROP INDEX "ticketevent_created_at";
