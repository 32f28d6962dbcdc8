-- +goose Up
-- Ticket numbers come from a sequence on PostgreSQL (not the counters
-- row, whose lock a creation held until it committed): it starts after
-- every number handed out so far.
CREATE SEQUENCE "ticket_numbers" AS bigint MINVALUE 1;
SELECT setval('ticket_numbers', GREATEST(
  COALESCE((SELECT "value" FROM "counters" WHERE "id" = 'ticket_number'), 0),
  COALESCE((SELECT MAX("number") FROM "tickets" WHERE "number" < 1152921504606846976), 0)) + 1, false);

-- +goose Down
DROP SEQUENCE "ticket_numbers";
