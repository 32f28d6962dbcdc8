package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

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
