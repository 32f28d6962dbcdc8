package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"helpdesk/internal/store/migrations"
)

// Migrate applies every pending versioned migration, then River's
// migrations for the job queue, and returns how many of ours ran. On
// PostgreSQL it holds an advisory lock, so replicas starting together
// migrate once.
func (d *DB) Migrate(ctx context.Context) (int, error) {
	provider, db, done, err := d.migrations(true)
	if err != nil {
		return 0, err
	}
	if d.Dialect == dialect.Postgres {
		if err := checkPostgresExtensions(ctx, db); err != nil {
			done()
			return 0, err
		}
	}
	defer done()
	results, err := provider.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("applying migrations: %w", err)
	}
	// River keeps durable jobs in its own tables, versioned by River.
	if err := d.migrateJobs(ctx, db); err != nil {
		return len(results), err
	}
	return len(results), nil
}

// Migration is one of the service's versioned migrations and whether it
// has been applied.
type Migration struct {
	Version   int64
	File      string
	Applied   bool
	AppliedAt time.Time
	// SQL is the migration's text.
	SQL string
}

// Migrations lists the service's versioned migrations in order, applied
// or pending (River's own tables are versioned by River and not listed).
func (d *DB) Migrations(ctx context.Context) ([]Migration, error) {
	provider, _, done, err := d.migrations(false)
	if err != nil {
		return nil, err
	}
	defer done()
	states, err := provider.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the migration status: %w", err)
	}
	files, err := d.migrationFiles()
	if err != nil {
		return nil, err
	}
	out := make([]Migration, 0, len(states))
	for _, st := range states {
		text, err := fs.ReadFile(files, st.Source.Path)
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", st.Source.Path, err)
		}
		out = append(out, Migration{
			Version: st.Source.Version, File: st.Source.Path, SQL: string(text),
			Applied: st.State == goose.StateApplied, AppliedAt: st.AppliedAt,
		})
	}
	return out, nil
}

func (d *DB) migrationFiles() (fs.FS, error) {
	var files fs.FS
	var err error
	if d.Dialect == dialect.Postgres {
		files, err = fs.Sub(migrations.Postgres, "postgres")
	} else {
		files, err = fs.Sub(migrations.SQLite, "sqlite")
	}
	if err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	return files, nil
}

// migrations prepares goose over the database's migrations, on a
// connection without the statement timeout; locked, it holds the
// PostgreSQL advisory lock while it migrates.
func (d *DB) migrations(locked bool) (*goose.Provider, *sql.DB, func(), error) {
	files, err := d.migrationFiles()
	if err != nil {
		return nil, nil, nil, err
	}
	gooseDialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if d.Dialect == dialect.Postgres {
		gooseDialect = goose.DialectPostgres
		if locked {
			locker, err := lock.NewPostgresSessionLocker()
			if err != nil {
				return nil, nil, nil, fmt.Errorf("creating migration lock: %w", err)
			}
			opts = append(opts, goose.WithSessionLocker(locker))
		}
	}
	db, done := d.SQL, func() {}
	if d.migrationDSN != "" {
		// Building an index on a large table may take longer than any
		// request should: migrate without the statement timeout.
		if db, err = sql.Open("postgres", d.migrationDSN); err != nil {
			return nil, nil, nil, fmt.Errorf("opening a connection for migrations: %w", err)
		}
		done = func() { db.Close() }
	}
	provider, err := goose.NewProvider(gooseDialect, db, files, opts...)
	if err != nil {
		done()
		return nil, nil, nil, fmt.Errorf("preparing migrations: %w", err)
	}
	return provider, db, done, nil
}

// postgresExtensions are the extensions the migrations create: search
// (internal/search) folds accents with unaccent and indexes substrings
// with pg_trgm's trigrams.
var postgresExtensions = []string{"unaccent", "pg_trgm"}

// checkPostgresExtensions says clearly, before any migration runs, when
// the server lacks an extension the migrations need.
func checkPostgresExtensions(ctx context.Context, db *sql.DB) error {
	available := map[string]bool{}
	rows, err := db.QueryContext(ctx, "SELECT name FROM pg_available_extensions")
	if err != nil {
		return fmt.Errorf("listing PostgreSQL's available extensions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("listing PostgreSQL's available extensions: %w", err)
		}
		available[name] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("listing PostgreSQL's available extensions: %w", err)
	}
	var missing []string
	for _, name := range postgresExtensions {
		if !available[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("PostgreSQL lacks the extension(s) %s, which search needs (accent folding and substring indexes): "+
			"install the server's contrib modules (Debian/Ubuntu: the postgresql-contrib package; most managed services have them) "+
			"and start again", strings.Join(missing, ", "))
	}
	return nil
}
