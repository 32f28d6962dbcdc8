package store

import (
	"context"
	"database/sql"
	"fmt"

	"helpdesk/ent"
)

// WithTx runs fn in one transaction on client: it commits when fn returns
// nil and rolls back otherwise (also on panic).
func WithTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) error {
	return Transact(ctx, client, func(tx *ent.Tx, _ *sql.Tx) error { return fn(tx) })
}

// Transact is WithTx that also hands fn the transaction as a *sql.Tx, for
// work done outside ent that must commit or roll back with it (River's
// InsertTx). The client must come from Open.
func Transact(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx, sqlTx *sql.Tx) error) (err error) {
	ctx, sqlTx := withSQLTx(ctx)
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("starting transaction: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	if err := fn(tx, sqlTx()); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rolling back: %v)", err, rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}
