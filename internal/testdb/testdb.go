// Package testdb gives tests fresh, migrated databases: a SQLite file in
// the test's temporary directory, and a PostgreSQL database created for
// the test and dropped after it.
//
// PostgreSQL is found at HELPDESK_TEST_POSTGRES (default: the local server,
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable). The suite
// needs it: a test that cannot reach it fails rather than skipping.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"entgo.io/ent/dialect"

	"helpdesk/internal/store"
)

// Dialects are the databases every integration test runs against.
var Dialects = []string{dialect.SQLite, dialect.Postgres}

// Open returns a fresh migrated database of the given dialect, closed
// (and for PostgreSQL dropped) when the test ends.
func Open(t testing.TB, dial string) *store.DB {
	t.Helper()
	ctx := context.Background()
	dsn := ""
	switch dial {
	case dialect.SQLite:
		dsn = "file:" + filepath.Join(t.TempDir(), "helpdesk.db")
	case dialect.Postgres:
		dsn = CreatePostgres(t)
	default:
		t.Fatalf("testdb: unknown dialect %q", dial)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("testdb: opening %s: %v", dial, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("testdb: migrating %s: %v", dial, err)
	}
	return db
}

// CreatePostgres creates an empty PostgreSQL database for the test and
// returns its URL; the database is dropped when the test ends.
func CreatePostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("HELPDESK_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "helpdesk_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("testdb: creating PostgreSQL database (is PostgreSQL running at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("testdb: dropping %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
