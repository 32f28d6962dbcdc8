package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// InOneTransaction runs fn with a context in which everything the client
// does goes to one database transaction: its statements, and the
// transactions the services begin, which become parts of that one. The
// transaction commits when fn returns nil and every part committed, and
// rolls back otherwise, so fn's work is written entirely or not at all —
// also when the process dies half-way. It is how a large batch of
// service calls (the demo data) is loaded quickly and safely.
//
// A part that rolls back cannot be undone alone: it dooms the whole
// transaction, which then rolls back when fn returns. Parts begun from
// several goroutines run one after another (each waits for the previous
// one to commit or roll back); statements outside a part must not run
// from two goroutines at once. Nothing is committed, so nothing should be
// announced to other processes, before fn returns.
func (d *DB) InOneTransaction(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if bulkFrom(ctx) != nil {
		return fn(ctx)
	}
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("starting the transaction: %w", err)
	}
	b := &bulkTx{tx: tx}
	if d.Dialect == dialect.SQLite {
		// BEGIN IMMEDIATE holds SQLite's write lock from here to the
		// end: no other writer takes a counter value meanwhile, so the
		// counters can be kept in memory and written once, at the end.
		b.counters = map[string]*bulkCounter{}
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	if err := fn(context.WithValue(ctx, bulkKey{}, b)); err != nil {
		return rollback(tx, err)
	}
	if b.doomed.Load() {
		return rollback(tx, errors.New("a part of the transaction rolled back"))
	}
	if err := b.writeCounters(ctx); err != nil {
		return rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing the transaction: %w", err)
	}
	return nil
}

func rollback(tx *sql.Tx, err error) error {
	if rerr := tx.Rollback(); rerr != nil {
		return fmt.Errorf("%w (rolling back: %v)", err, rerr)
	}
	return err
}

// bulkTx is the one transaction of InOneTransaction.
type bulkTx struct {
	tx     *sql.Tx
	doomed atomic.Bool
	// parts lets one part at a time use the transaction.
	parts sync.Mutex
	// counters, on SQLite, are the counters taken in the transaction (see
	// TakeValues), written when it commits; nil on PostgreSQL, where
	// every value is taken from the row.
	counters   map[string]*bulkCounter
	countersMu sync.Mutex
}

// bulkCounter is a counter's value in the transaction.
type bulkCounter struct {
	value int64
	taken bool
}

// takeValues is TakeValues on the counters of the transaction: the row is
// read once, and its new value written by writeCounters.
func (b *bulkTx) takeValues(ctx context.Context, name string, n int) (int64, error) {
	b.countersMu.Lock()
	defer b.countersMu.Unlock()
	c, ok := b.counters[name]
	if !ok {
		c = &bulkCounter{}
		err := b.tx.QueryRowContext(ctx, "SELECT value FROM counters WHERE id = ?", name).Scan(&c.value)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("taking next %s: %w", name, err)
		}
		b.counters[name] = c
	}
	c.value += int64(n)
	c.taken = true
	return c.value, nil
}

// writeCounters writes the counters values were taken from.
func (b *bulkTx) writeCounters(ctx context.Context) error {
	b.countersMu.Lock()
	defer b.countersMu.Unlock()
	names := make([]string, 0, len(b.counters))
	for name, c := range b.counters {
		if c.taken {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO counters (id, value) VALUES (?1, ?2)
ON CONFLICT (id) DO UPDATE SET value = ?2`, name, b.counters[name].value); err != nil {
			return fmt.Errorf("writing counter %s: %w", name, err)
		}
	}
	return nil
}

type bulkKey struct{}

func bulkFrom(ctx context.Context) *bulkTx {
	b, _ := ctx.Value(bulkKey{}).(*bulkTx)
	return b
}

// part is a transaction begun inside InOneTransaction: its statements run
// on the one transaction; committing it does nothing yet, rolling it back
// dooms the whole.
type part struct {
	entsql.Conn
	b    *bulkTx
	done sync.Once
}

// part begins a part, once the previous one has ended.
func (b *bulkTx) part() dialect.Tx {
	b.parts.Lock()
	return &part{Conn: entsql.Conn{ExecQuerier: b.tx}, b: b}
}

// Commit implements driver.Tx.
func (p *part) Commit() error {
	p.end()
	if p.b.doomed.Load() {
		return errors.New("committing: an earlier part of the transaction rolled back")
	}
	return nil
}

// Rollback implements driver.Tx.
func (p *part) Rollback() error {
	p.b.doomed.Store(true)
	p.end()
	return nil
}

func (p *part) end() { p.done.Do(p.b.parts.Unlock) }

// Exec implements dialect.ExecQuerier, on the one transaction when ctx
// has one.
func (d txDriver) Exec(ctx context.Context, query string, args, v any) error {
	if b := bulkFrom(ctx); b != nil {
		return entsql.Conn{ExecQuerier: b.tx}.Exec(ctx, query, args, v)
	}
	return d.Driver.Exec(ctx, query, args, v)
}

// Query implements dialect.ExecQuerier, on the one transaction when ctx
// has one.
func (d txDriver) Query(ctx context.Context, query string, args, v any) error {
	if b := bulkFrom(ctx); b != nil {
		return entsql.Conn{ExecQuerier: b.tx}.Query(ctx, query, args, v)
	}
	return d.Driver.Query(ctx, query, args, v)
}

// ExecContext runs a raw statement, on the one transaction when ctx has
// one.
func (d txDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if b := bulkFrom(ctx); b != nil {
		return b.tx.ExecContext(ctx, query, args...)
	}
	return d.Driver.ExecContext(ctx, query, args...)
}

// QueryContext runs a raw query, on the one transaction when ctx has one.
func (d txDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if b := bulkFrom(ctx); b != nil {
		return b.tx.QueryContext(ctx, query, args...)
	}
	return d.Driver.QueryContext(ctx, query, args...)
}

// SQLTx returns the transaction of InOneTransaction that ctx carries, or
// nil: work done outside ent (River's InsertTx) joins it through this.
func SQLTx(ctx context.Context) *sql.Tx {
	if b := bulkFrom(ctx); b != nil {
		return b.tx
	}
	return nil
}
