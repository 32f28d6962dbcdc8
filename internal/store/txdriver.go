package store

import (
	"context"
	"database/sql"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// txDriver is ent's SQL driver, except that a transaction begun with a
// context from WithSQLTx hands its *sql.Tx to that context's holder: work
// done outside ent, such as River inserting a job, can then join the
// transaction ent is writing in, and both commit or roll back together.
//
// On SQLite, transactions also take their turn in writes (see writeQueue)
// before they begin.
type txDriver struct {
	*entsql.Driver
	writes *writeQueue // nil on PostgreSQL
}

// Tx implements dialect.Driver.
func (d txDriver) Tx(ctx context.Context) (dialect.Tx, error) { return d.BeginTx(ctx, nil) }

// BeginTx starts a transaction like entsql.Driver does and records it in
// ctx's holder, if any. Inside InOneTransaction it begins a part of that
// transaction instead.
func (d txDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	if b := bulkFrom(ctx); b != nil {
		if h, ok := ctx.Value(sqlTxKey{}).(*sqlTxHolder); ok {
			h.tx = b.tx
		}
		return b.part(), nil
	}
	leave := func() {}
	if d.writes != nil {
		var err error
		if leave, err = d.writes.enter(ctx); err != nil {
			return nil, err
		}
	}
	tx, err := d.DB().BeginTx(ctx, opts)
	if err != nil {
		leave()
		return nil, err
	}
	if h, ok := ctx.Value(sqlTxKey{}).(*sqlTxHolder); ok {
		h.tx = tx
	}
	if d.writes == nil {
		return &entsql.Tx{Conn: entsql.Conn{ExecQuerier: tx}, Tx: tx}, nil
	}
	return &entsql.Tx{Conn: entsql.Conn{ExecQuerier: tx}, Tx: newQueuedTx(ctx, tx, leave)}, nil
}

type sqlTxKey struct{}

type sqlTxHolder struct{ tx *sql.Tx }

// withSQLTx returns a context in which the next transaction the client
// begins is recorded, and a function returning it once begun.
func withSQLTx(ctx context.Context) (context.Context, func() *sql.Tx) {
	h := &sqlTxHolder{}
	return context.WithValue(ctx, sqlTxKey{}, h), func() *sql.Tx { return h.tx }
}
