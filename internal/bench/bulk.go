package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"
)

// bulkTable writes many rows of one table fast: PostgreSQL's COPY, or
// multi-row INSERT statements on SQLite, in one transaction per table.
type bulkTable interface {
	// Row adds one row; values follow the table's column list.
	Row(values ...any) error
	// Close flushes the rows and commits them.
	Close() error
}

// openBulk starts writing rows into table.
func openBulk(ctx context.Context, db *sql.DB, dial, table string, columns ...string) (bulkTable, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", table, err)
	}
	if dial == dialect.Postgres {
		stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, columns...))
		if err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("loading %s: %w", table, err)
		}
		return &copyTable{ctx: ctx, tx: tx, stmt: stmt, table: table}, nil
	}
	return &insertTable{ctx: ctx, tx: tx, table: table, columns: columns,
		batch: max(1, 30000/len(columns))}, nil
}

// copyTable streams rows through COPY FROM STDIN.
type copyTable struct {
	ctx   context.Context
	tx    *sql.Tx
	stmt  *sql.Stmt
	table string
}

func (c *copyTable) Row(values ...any) error {
	if _, err := c.stmt.ExecContext(c.ctx, values...); err != nil {
		_ = c.tx.Rollback()
		return fmt.Errorf("loading %s: %w", c.table, err)
	}
	return nil
}

func (c *copyTable) Close() error {
	if _, err := c.stmt.ExecContext(c.ctx); err != nil {
		_ = c.tx.Rollback()
		return fmt.Errorf("loading %s: %w", c.table, err)
	}
	if err := c.stmt.Close(); err != nil {
		_ = c.tx.Rollback()
		return fmt.Errorf("loading %s: %w", c.table, err)
	}
	if err := c.tx.Commit(); err != nil {
		return fmt.Errorf("loading %s: %w", c.table, err)
	}
	return nil
}

// insertTable gathers rows into INSERT statements of many rows each.
type insertTable struct {
	ctx     context.Context
	tx      *sql.Tx
	table   string
	columns []string
	batch   int
	pending []any
	stmt    *sql.Stmt
}

func (t *insertTable) Row(values ...any) error {
	t.pending = append(t.pending, values...)
	if len(t.pending) < t.batch*len(t.columns) {
		return nil
	}
	if t.stmt == nil {
		stmt, err := t.tx.PrepareContext(t.ctx, t.insert(t.batch))
		if err != nil {
			_ = t.tx.Rollback()
			return fmt.Errorf("loading %s: %w", t.table, err)
		}
		t.stmt = stmt
	}
	if _, err := t.stmt.ExecContext(t.ctx, t.pending...); err != nil {
		_ = t.tx.Rollback()
		return fmt.Errorf("loading %s: %w", t.table, err)
	}
	t.pending = t.pending[:0]
	return nil
}

func (t *insertTable) Close() error {
	if n := len(t.pending) / len(t.columns); n > 0 {
		if _, err := t.tx.ExecContext(t.ctx, t.insert(n), t.pending...); err != nil {
			_ = t.tx.Rollback()
			return fmt.Errorf("loading %s: %w", t.table, err)
		}
	}
	if t.stmt != nil {
		_ = t.stmt.Close()
	}
	if err := t.tx.Commit(); err != nil {
		return fmt.Errorf("loading %s: %w", t.table, err)
	}
	return nil
}

// insert is an INSERT of rows rows.
func (t *insertTable) insert(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + t.table + " (" + strings.Join(t.columns, ", ") + ") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.columns)), ", ") + ")"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// withoutIndexes runs load with the secondary indexes and foreign keys of
// tables dropped on PostgreSQL, then builds them again: COPY then only
// appends rows, and each index is built once, sorted, instead of being
// updated row by row (and each foreign key is checked by one join instead
// of a lookup per row). Primary keys stay. On SQLite it runs load as is.
func withoutIndexes(ctx context.Context, db *sql.DB, dial string, tables []string, log func(string, time.Duration), load func() error) error {
	if dial != dialect.Postgres {
		return load()
	}
	rows, err := db.QueryContext(ctx, `
		SELECT true, conrelid::regclass::text, 'ALTER TABLE ' || conrelid::regclass::text || ' ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid),
			'ALTER TABLE ' || conrelid::regclass::text || ' DROP CONSTRAINT ' || quote_ident(conname)
		FROM pg_constraint
		WHERE contype = 'f' AND conrelid = ANY (SELECT to_regclass(t) FROM unnest($1::text[]) AS t)
		UNION ALL
		SELECT false, i.tablename, i.indexdef, 'DROP INDEX ' || quote_ident(i.schemaname) || '.' || quote_ident(i.indexname)
		FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename = ANY ($1::text[])
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c
				WHERE c.conindid = to_regclass(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname)))`,
		pq.Array(tables))
	if err != nil {
		return fmt.Errorf("listing indexes: %w", err)
	}
	var (
		drops, foreignKeys []string
		indexes            = map[string][]string{}
	)
	for rows.Next() {
		var (
			foreignKey          bool
			table, create, drop string
		)
		if err := rows.Scan(&foreignKey, &table, &create, &drop); err != nil {
			rows.Close()
			return err
		}
		if foreignKey {
			foreignKeys = append(foreignKeys, create)
		} else {
			indexes[table] = append(indexes[table], create)
		}
		drops = append(drops, drop)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	// Foreign keys first (listed first): they drop before the indexes
	// and come back after them.
	for _, d := range drops {
		if _, err := db.ExecContext(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
	}
	loadErr := load()
	began := time.Now()
	// The indexes of different tables build side by side, each table's
	// on a connection of its own; then the foreign keys are checked.
	errs := make([]error, 0, len(indexes))
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, loadStreams)
	)
	for _, creates := range indexes {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			err := execAll(ctx, db, creates)
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return errors.Join(loadErr, err)
	}
	if err := execAll(ctx, db, foreignKeys); err != nil {
		return errors.Join(loadErr, err)
	}
	if loadErr == nil && log != nil {
		n := len(foreignKeys)
		for _, c := range indexes {
			n += len(c)
		}
		log(fmt.Sprintf("%d indexes and foreign keys", n), time.Since(began))
	}
	return loadErr
}

// execAll runs statements one after the other on one connection, with
// room to sort in memory for index builds.
func execAll(ctx context.Context, db *sql.DB, statements []string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, _ = conn.ExecContext(ctx, "SET maintenance_work_mem = '128MB'")
	for _, st := range statements {
		if _, err := conn.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	return nil
}
