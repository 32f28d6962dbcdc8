package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"entgo.io/ent/dialect"

	"helpdesk/internal/testdb"
)

// TestStatementCache runs the same statement while its rows are still
// open (nested, as a loop querying per row does), more distinct
// statements than a connection keeps, and a statement again after the
// table it reads changed shape: every result is right. On SQLite these
// go through the per-connection statement cache.
func TestStatementCache(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx := context.Background()
		db := testdb.Open(t, dial)
		arg := "?"
		if db.Dialect == dialect.Postgres {
			arg = "$1"
		}
		conn, err := db.SQL.Conn(ctx) // one connection, so its cache is the one used
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "CREATE TABLE cache_probe (n integer)"); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 3; i++ {
			if _, err := conn.ExecContext(ctx, "INSERT INTO cache_probe (n) VALUES ("+arg+")", i); err != nil {
				t.Fatal(err)
			}
		}
		q := "SELECT n FROM cache_probe WHERE n >= " + arg + " ORDER BY n"
		// PostgreSQL's protocol has one result open per connection: there
		// the outer rows come from the pool, on SQLite from conn itself.
		var outerDB interface {
			QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		} = conn
		if db.Dialect == dialect.Postgres {
			outerDB = db.SQL
		}
		outer, err := outerDB.QueryContext(ctx, q, 1)
		if err != nil {
			t.Fatal(err)
		}
		var pairs []string
		for outer.Next() {
			var n int
			if err := outer.Scan(&n); err != nil {
				t.Fatal(err)
			}
			// The same text while outer's rows are open.
			var first int
			if err := conn.QueryRowContext(ctx, q, n).Scan(&first); err != nil {
				t.Fatal(err)
			}
			pairs = append(pairs, fmt.Sprintf("%d:%d", n, first))
		}
		if err := outer.Close(); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(pairs); got != "[1:1 2:2 3:3]" {
			t.Errorf("nested runs of one statement gave %s, want [1:1 2:2 3:3]", got)
		}

		for i := range 300 { // more than a connection keeps
			var n int
			if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) + %d FROM cache_probe", i)).Scan(&n); err != nil || n != 3+i {
				t.Fatalf("statement %d: %d, %v; want %d", i, n, err, 3+i)
			}
		}
		columns := func() []string {
			t.Helper()
			rows, err := conn.QueryContext(ctx, "SELECT * FROM cache_probe ORDER BY n")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols, err := rows.Columns()
			if err != nil {
				t.Fatal(err)
			}
			return cols
		}
		if cols := columns(); len(cols) != 1 {
			t.Fatalf("SELECT * has columns %v; want n", cols)
		}
		var sum int
		if err := conn.QueryRowContext(ctx, "SELECT sum(n) FROM cache_probe").Scan(&sum); err != nil || sum != 6 {
			t.Fatalf("sum = %d, %v; want 6", sum, err)
		}
		if _, err := conn.ExecContext(ctx, "ALTER TABLE cache_probe ADD COLUMN m integer DEFAULT 7"); err != nil {
			t.Fatal(err)
		}
		if cols := columns(); len(cols) != 2 {
			t.Errorf("after adding a column, SELECT * has columns %v; want n and m", cols)
		}
	})
}
