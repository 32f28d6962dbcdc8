package store

import (
	"context"
	"database/sql"
	"fmt"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// JobDriver returns River's driver for the database.
func (d *DB) JobDriver() riverdriver.Driver[*sql.Tx] {
	return d.jobDriver(d.SQL)
}

func (d *DB) jobDriver(db *sql.DB) riverdriver.Driver[*sql.Tx] {
	if d.Dialect == dialect.Postgres {
		return riverdatabasesql.New(db)
	}
	return riversqlite.New(db)
}

// riverMigrationLock is the advisory lock key under which replicas
// starting together create River's tables one at a time.
const riverMigrationLock = 0x68656c70 // "help"

// migrateJobs creates or upgrades River's job tables. River runs each
// of its migrations in a transaction of its own (some cannot share one on
// PostgreSQL); replicas starting together take turns under an advisory
// lock. db is the connection pool migrations run on, which has no
// statement timeout.
func (d *DB) migrateJobs(ctx context.Context, db *sql.DB) error {
	migrator, err := rivermigrate.New(d.jobDriver(db), nil)
	if err != nil {
		return fmt.Errorf("preparing job queue migrations: %w", err)
	}
	if d.Dialect == dialect.Postgres {
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrating the job queue: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", riverMigrationLock); err != nil {
			return fmt.Errorf("locking job queue migrations: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", riverMigrationLock)
		}()
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrating the job queue: %w", err)
	}
	return nil
}
