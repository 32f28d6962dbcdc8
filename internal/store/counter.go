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
	query := `INSERT INTO counters (id, value) VALUES ($1, 1)
ON CONFLICT (id) DO UPDATE SET value = counters.value + 1 RETURNING value`
	if dial == dialect.SQLite {
		query = `INSERT INTO counters (id, value) VALUES (?, 1)
ON CONFLICT (id) DO UPDATE SET value = counters.value + 1 RETURNING value`
	}
	rows, err := tx.QueryContext(ctx, query, name)
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
