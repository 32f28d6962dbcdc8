package store_test

import (
	"context"
	"errors"
	"testing"

	"entgo.io/ent/dialect"

	"helpdesk/ent"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

// TestTicketNumbers takes ticket numbers in committed and rolled-back
// transactions: they increase; on SQLite a rolled-back number is given
// again (gap-free), on PostgreSQL it is not (the sequence holds no lock,
// so a rollback leaves a gap). Reserving numbers for bulk-written tickets
// moves numbering past them.
func TestTicketNumbers(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx := context.Background()
		db := testdb.Open(t, dial)
		take := func(commit bool) int64 {
			t.Helper()
			var n int64
			rollback := errors.New("rollback")
			err := store.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
				var err error
				if n, err = store.NextTicketNumber(ctx, tx, db.Dialect); err != nil {
					return err
				}
				if !commit {
					return rollback
				}
				return nil
			})
			if err != nil && (commit || !errors.Is(err, rollback)) {
				t.Fatal(err)
			}
			return n
		}
		if got := take(true); got != 1 {
			t.Fatalf("first number = %d, want 1", got)
		}
		if got := take(false); got != 2 {
			t.Fatalf("second number = %d, want 2", got)
		}
		want := int64(2) // SQLite gives the rolled-back number again
		if dial == dialect.Postgres {
			want = 3
		}
		if got := take(true); got != want {
			t.Fatalf("number after a rollback = %d, want %d", got, want)
		}
		var last int64
		err := store.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
			var err error
			last, err = store.ReserveTicketNumbers(ctx, tx, db.Dialect, 10)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if last != want+10 {
			t.Fatalf("last reserved number = %d, want %d", last, want+10)
		}
		if got := take(true); got != want+11 {
			t.Fatalf("number after the reserved ones = %d, want %d", got, want+11)
		}
	})
}
