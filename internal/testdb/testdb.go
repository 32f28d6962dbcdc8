// Package testdb gives tests fresh, migrated databases: a SQLite file in
// the test's temporary directory, and a PostgreSQL database created for
// the test and dropped after it. ForEach runs a test on every database.
//
// A SQLite database is a copy of a file migrated once per test binary,
// since migrating costs far more than copying.
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
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"helpdesk/internal/store"
)

// Dialects are the databases every integration test runs against.
var Dialects = []string{dialect.SQLite, dialect.Postgres}

// ForEach runs body once per database in Dialects, each in a subtest
// named after the dialect. The subtests run in parallel with each other
// (and with other parallel tests), so body must not share mutable state
// across calls.
func ForEach(t *testing.T, body func(t *testing.T, dial string)) {
	t.Helper()
	for _, dial := range Dialects {
		t.Run(dial, func(t *testing.T) {
			t.Parallel()
			body(t, dial)
		})
	}
}

// Open returns a fresh migrated database of the given dialect, closed
// (and for PostgreSQL dropped) when the test ends.
func Open(t testing.TB, dial string) *store.DB {
	t.Helper()
	ctx := context.Background()
	dsn := ""
	switch dial {
	case dialect.SQLite:
		path := filepath.Join(t.TempDir(), "helpdesk.db")
		if err := copySQLiteTemplate(path); err != nil {
			t.Fatalf("testdb: %v", err)
		}
		dsn = "file:" + path
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

// sqliteTemplate is a migrated SQLite database file's content, made once
// per test binary. Open still runs Migrate on each copy, which finds
// nothing to do, so a copy is as migrated as a database built from
// scratch.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "helpdesk-testdb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	db, err := store.Open(context.Background(), "file:"+path)
	if err != nil {
		return nil, fmt.Errorf("opening the SQLite template: %w", err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrating the SQLite template: %w", err)
	}
	// Closing the last connection checkpoints the write-ahead log into
	// the file, so the file alone holds the whole database.
	if err := db.Close(); err != nil {
		return nil, fmt.Errorf("closing the SQLite template: %w", err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, fmt.Errorf("the SQLite template kept its write-ahead log")
	}
	return os.ReadFile(path)
})

// copySQLiteTemplate writes a copy of the migrated template to path.
func copySQLiteTemplate(path string) error {
	content, err := sqliteTemplate()
	if err != nil {
		return err
	}
	return os.WriteFile(path, content, 0o600)
}
