package store

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"

	"helpdesk/ent"
)

// Counter names.
const (
	// TicketNumberCounter numbers tickets on SQLite; PostgreSQL uses the
	// ticketNumberSequence (see NextTicketNumber).
	TicketNumberCounter  = "ticket_number"
	EventSequenceCounter = "ticket_event_sequence"
)

// ticketNumberSequence is PostgreSQL's sequence of ticket numbers.
const ticketNumberSequence = "ticket_numbers"

// NextTicketNumber takes a new ticket's number inside tx.
//
// On PostgreSQL it comes from a sequence, which holds no lock: concurrent
// creations do not wait for each other, numbers are unique and increase
// in the order they are taken, but a creation that rolls back leaves its
// number unused (a gap), and a ticket may commit before one with a lower
// number. On SQLite, whose writers take turns anyway, it comes from the
// counters row, so numbers there stay gap-free.
func NextTicketNumber(ctx context.Context, tx *ent.Tx, dial string) (int64, error) {
	if dial != dialect.Postgres {
		return NextValue(ctx, tx, dial, TicketNumberCounter)
	}
	return scanOne(ctx, tx, "taking the next ticket number", `SELECT nextval('`+ticketNumberSequence+`')`)
}

// ticketNumbersPastSQL moves PostgreSQL's ticket numbers past every
// number handed out, by the counter or on a ticket written without the
// sequence (rows copied in): the same statement as the migration that
// created the sequence.
const ticketNumbersPastSQL = `SELECT setval('` + ticketNumberSequence + `', GREATEST(
  COALESCE((SELECT "value" FROM "counters" WHERE "id" = 'ticket_number'), 0),
  COALESCE((SELECT MAX("number") FROM "tickets" WHERE "number" < 1152921504606846976), 0)) + 1, false)`

// ReserveTicketNumbers moves ticket numbering past the next n numbers,
// for tickets written in bulk with those numbers, and returns the last
// of them (the numbers are last-n+1 … last).
func ReserveTicketNumbers(ctx context.Context, tx *ent.Tx, dial string, n int) (int64, error) {
	if dial != dialect.Postgres {
		return TakeValues(ctx, tx, dial, TicketNumberCounter, n)
	}
	if n <= 0 {
		return 0, fmt.Errorf("reserving %d ticket numbers: at least one is required", n)
	}
	return scanOne(ctx, tx, "reserving ticket numbers",
		`SELECT setval('`+ticketNumberSequence+`', nextval('`+ticketNumberSequence+`') + $1 - 1)`, n)
}

// scanOne runs a query that returns one integer.
func scanOne(ctx context.Context, tx *ent.Tx, what, query string, args ...any) (int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		return 0, fmt.Errorf("%s: no row returned", what)
	}
	var v int64
	if err := rows.Scan(&v); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return v, rows.Close()
}

// NextValue takes the next value of the named counter inside tx. The row
// stays locked until tx ends, so values are handed out in commit order and
// a rolled-back transaction leaves no gap.
func NextValue(ctx context.Context, tx *ent.Tx, dial, name string) (int64, error) {
	return TakeValues(ctx, tx, dial, name, 1)
}

// TakeValues takes the next n values of the named counter inside tx and
// returns the last of them (the values are last-n+1 … last). Like
// NextValue, it locks the counter's row until tx ends: take values as late
// in the transaction as possible.
//
// Inside InOneTransaction on SQLite, the values come from the counters of
// that transaction, which writes them once when it commits.
func TakeValues(ctx context.Context, tx *ent.Tx, dial, name string, n int) (int64, error) {
	if b := bulkFrom(ctx); b != nil && b.counters != nil {
		return b.takeValues(ctx, name, n)
	}
	query := `INSERT INTO counters (id, value) VALUES ($1, $2)
ON CONFLICT (id) DO UPDATE SET value = counters.value + $2 RETURNING value`
	if dial == dialect.SQLite {
		query = `INSERT INTO counters (id, value) VALUES (?1, ?2)
ON CONFLICT (id) DO UPDATE SET value = counters.value + ?2 RETURNING value`
	}
	return scanOne(ctx, tx, "taking next "+name, query, name, n)
}
