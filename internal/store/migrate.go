package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"

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
	var (
		gooseDialect goose.Dialect
		files        fs.FS
		opts         []goose.ProviderOption
		err          error
	)
	switch d.Dialect {
	case dialect.Postgres:
		gooseDialect = goose.DialectPostgres
		files, err = fs.Sub(migrations.Postgres, "postgres")
		locker, lerr := lock.NewPostgresSessionLocker()
		if lerr != nil {
			return 0, fmt.Errorf("creating migration lock: %w", lerr)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		gooseDialect = goose.DialectSQLite3
		files, err = fs.Sub(migrations.SQLite, "sqlite")
	}
	if err != nil {
		return 0, fmt.Errorf("reading migrations: %w", err)
	}
	db := d.SQL
	if d.migrationDSN != "" {
		// Building an index on a large table may take longer than any
		// request should: migrate without the statement timeout.
		if db, err = sql.Open("postgres", d.migrationDSN); err != nil {
			return 0, fmt.Errorf("opening a connection for migrations: %w", err)
		}
		defer db.Close()
	}
	if d.Dialect == dialect.Postgres {
		if err := checkPostgresExtensions(ctx, db); err != nil {
			return 0, err
		}
	}
	provider, err := goose.NewProvider(gooseDialect, db, files, opts...)
	if err != nil {
		return 0, fmt.Errorf("preparing migrations: %w", err)
	}
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
