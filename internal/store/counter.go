package store

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"

	"helpdesk/ent"
)

// Counter names.
const (
	TicketNumberCounter  = "ticket_number"
	EventSequenceCounter = "ticket_event_sequence"
)

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
	rows, err := tx.QueryContext(ctx, query, name, n)
	if err != nil {
		return 0, fmt.Errorf("taking next %s: %w", name, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("taking next %s: %w", name, err)
		}
		return 0, fmt.Errorf("taking next %s: no row returned", name)
	}
	var v int64
	if err := rows.Scan(&v); err != nil {
		return 0, fmt.Errorf("reading next %s: %w", name, err)
	}
	return v, rows.Close()
}
