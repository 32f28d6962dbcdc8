package store_test

import (
	"context"
	"errors"
	"testing"

	"helpdesk/ent"
	"helpdesk/internal/auth"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

func TestInOneTransactionWritesAllOrNothing(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx := auth.WithViewer(context.Background(), auth.System)
		db := testdb.Open(t, dial)
		tags := func() int {
			t.Helper()
			n, err := db.Client.Tag.Query().Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		addTag := func(ctx context.Context, name string) error {
			return store.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
				return tx.Tag.Create().SetName(name).Exec(ctx)
			})
		}

		// A failure after several committed parts leaves none of them.
		boom := errors.New("boom")
		err := db.InOneTransaction(ctx, func(ctx context.Context) error {
			for _, name := range []string{"a", "b"} {
				if err := addTag(ctx, name); err != nil {
					return err
				}
			}
			// Reads inside see the parts written so far.
			if n, err := db.Client.Tag.Query().Count(ctx); err != nil || n != 2 {
				t.Errorf("inside: %d tags, %v; want 2", n, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InOneTransaction = %v, want %v", err, boom)
		}
		if n := tags(); n != 0 {
			t.Fatalf("after a failed batch: %d tags, want 0", n)
		}

		// A part that rolls back dooms the batch even if fn ignores it.
		err = db.InOneTransaction(ctx, func(ctx context.Context) error {
			if err := addTag(ctx, "c"); err != nil {
				return err
			}
			_ = store.WithTx(ctx, db.Client, func(tx *ent.Tx) error { return boom })
			return nil
		})
		if err == nil {
			t.Fatal("a batch with a rolled-back part committed")
		}
		if n := tags(); n != 0 {
			t.Fatalf("after a batch with a rolled-back part: %d tags, want 0", n)
		}

		// A batch that succeeds writes everything, visible only once it
		// has committed.
		err = db.InOneTransaction(ctx, func(inner context.Context) error {
			for _, name := range []string{"d", "e", "f"} {
				if err := addTag(inner, name); err != nil {
					return err
				}
			}
			if dial == "postgres" {
				if n := tags(); n != 0 {
					t.Errorf("outside the batch before commit: %d tags, want 0", n)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := tags(); n != 3 {
			t.Fatalf("after the batch: %d tags, want 3", n)
		}
	})
}
