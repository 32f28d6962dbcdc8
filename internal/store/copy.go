package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"
	"github.com/lib/pq"

	"helpdesk/ent/migrate"
)

// CopyRows copies the rows of every ent table of src (a SQLite database)
// that is empty in d (PostgreSQL) into d with COPY, on the transaction of
// ctx (see InOneTransaction), parents before children. Tables already
// holding rows in d (the default policy installed at start) are left
// alone. Integer id sequences, and the sequence of ticket numbers, are
// moved past the copied values. It returns
// the number of rows copied.
//
// It is how a large batch written through the services on a scratch
// SQLite file reaches PostgreSQL in a few statements instead of one
// round trip per statement.
func (d *DB) CopyRows(ctx context.Context, src *DB) (int, error) {
	b := bulkFrom(ctx)
	if b == nil || d.Dialect != dialect.Postgres || src.Dialect != dialect.SQLite {
		return 0, errors.New("copying rows: needs a SQLite source and a PostgreSQL target in InOneTransaction")
	}
	tables, err := parentsFirst(migrate.Tables)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, t := range tables {
		var filled bool
		if err := b.tx.QueryRowContext(ctx, fmt.Sprintf("SELECT EXISTS (SELECT 1 FROM %s)", pq.QuoteIdentifier(t.Name))).Scan(&filled); err != nil {
			return total, fmt.Errorf("checking %s: %w", t.Name, err)
		}
		if filled {
			continue
		}
		n, err := copyTable(ctx, src.SQL, b.tx, t)
		if err != nil {
			return total, fmt.Errorf("copying %s: %w", t.Name, err)
		}
		total += n
		if n > 0 && len(t.PrimaryKey) == 1 && t.PrimaryKey[0].Increment {
			id := t.PrimaryKey[0].Name
			if _, err := b.tx.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence($1, $2), (SELECT max(%s) FROM %s))",
				pq.QuoteIdentifier(id), pq.QuoteIdentifier(t.Name)), t.Name, id); err != nil {
				return total, fmt.Errorf("moving the id sequence of %s: %w", t.Name, err)
			}
		}
	}
	// Copied tickets carry their numbers: new ones continue after them.
	if _, err := b.tx.ExecContext(ctx, ticketNumbersPastSQL); err != nil {
		return total, fmt.Errorf("moving the ticket numbers past the copied tickets: %w", err)
	}
	return total, nil
}

// copyTable copies one table's rows, ordered so that a row referring to
// another row of its own table comes after it.
func copyTable(ctx context.Context, src *sql.DB, dst *sql.Tx, t *schema.Table) (int, error) {
	names := make([]string, len(t.Columns))
	quoted := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i], quoted[i] = c.Name, `"`+c.Name+`"`
	}
	rows, err := src.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(quoted, ", "), pq.QuoteIdentifier(t.Name)))
	if err != nil {
		return 0, err
	}
	var all [][]any
	for rows.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return 0, err
		}
		for i, c := range t.Columns {
			vals[i] = forPostgres(c, vals[i])
		}
		all = append(all, vals)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(all) == 0 {
		return 0, nil
	}
	all = selfReferencesFirst(t, all)
	stmt, err := dst.PrepareContext(ctx, pq.CopyIn(t.Name, names...))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	for _, row := range all {
		if _, err := stmt.ExecContext(ctx, row...); err != nil {
			return 0, err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return 0, err
	}
	return len(all), nil
}

// forPostgres turns a value read from SQLite into one COPY writes as the
// column's PostgreSQL type: SQLite keeps booleans as integers, and JSON
// and text may come back as bytes.
func forPostgres(c *schema.Column, v any) any {
	switch x := v.(type) {
	case []byte:
		if c.Type != field.TypeBytes {
			return string(x)
		}
	case int64:
		if c.Type == field.TypeBool {
			return x != 0
		}
	}
	return v
}

// selfReferencesFirst orders rows so that each comes after the row of the
// same table it refers to (a category after its parent).
func selfReferencesFirst(t *schema.Table, rows [][]any) [][]any {
	var refs []int
	for _, fk := range t.ForeignKeys {
		if fk.RefTable == t && len(fk.Columns) == 1 {
			refs = append(refs, columnIndex(t, fk.Columns[0]))
		}
	}
	if len(refs) == 0 || len(t.PrimaryKey) != 1 {
		return rows
	}
	key := columnIndex(t, t.PrimaryKey[0])
	placed := make(map[any]bool, len(rows))
	out := make([][]any, 0, len(rows))
	for len(rows) > 0 {
		var later [][]any
		for _, row := range rows {
			ready := true
			for _, r := range refs {
				if row[r] != nil && !placed[row[r]] {
					ready = false
				}
			}
			if ready {
				placed[row[key]] = true
				out = append(out, row)
			} else {
				later = append(later, row)
			}
		}
		if len(later) == len(rows) { // a cycle or a dangling reference: let the database judge
			return append(out, later...)
		}
		rows = later
	}
	return out
}

func columnIndex(t *schema.Table, c *schema.Column) int {
	for i, col := range t.Columns {
		if col == c {
			return i
		}
	}
	return -1
}

// parentsFirst orders tables so that a table comes after those its
// foreign keys refer to.
func parentsFirst(tables []*schema.Table) ([]*schema.Table, error) {
	var out []*schema.Table
	done := map[*schema.Table]bool{}
	visiting := map[*schema.Table]bool{}
	var visit func(t *schema.Table) error
	visit = func(t *schema.Table) error {
		if done[t] {
			return nil
		}
		if visiting[t] {
			return fmt.Errorf("copying rows: the foreign keys of %s form a cycle", t.Name)
		}
		visiting[t] = true
		for _, fk := range t.ForeignKeys {
			if fk.RefTable != nil && fk.RefTable != t {
				if err := visit(fk.RefTable); err != nil {
					return err
				}
			}
		}
		visiting[t] = false
		done[t] = true
		out = append(out, t)
		return nil
	}
	for _, t := range tables {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return out, nil
}
