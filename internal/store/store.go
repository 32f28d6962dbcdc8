// Package store opens the database (embedded SQLite or PostgreSQL), applies
// the versioned migrations and runs changes in transactions.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq" // PostgreSQL driver, registered as "postgres".
	"modernc.org/sqlite"  // SQLite driver, opened through sqliteConnector.

	"helpdesk/ent"
	_ "helpdesk/ent/runtime" // schema defaults and hooks.
)

// sqliteMaxConns bounds the SQLite connection pool.
const sqliteMaxConns = 32

// DB is an open database with its ent client.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string
	// DSN is the data source name the database was opened with; listeners
	// open their own connection with it.
	DSN string
	// migrationDSN, when not empty, is the DSN without the statement
	// timeout Open added, for migrations.
	migrationDSN string
	// driver is the ent driver Client sends its statements through.
	driver dialect.Driver
}

// WithDriver returns a copy of d whose ent client sends its statements
// through wrap(driver) (instrumentation, such as counting statements);
// wrap must keep the driver's transactions and its QueryContext and
// ExecContext methods working.
func (d *DB) WithDriver(wrap func(dialect.Driver) dialect.Driver) *DB {
	c := *d
	c.Client = ent.NewClient(ent.Driver(wrap(d.driver)))
	return &c
}

// Options tune how a database is opened.
type Options struct {
	// StatementTimeout bounds every statement on PostgreSQL (its
	// statement_timeout parameter) unless the URL sets one; zero leaves
	// the server's setting. Migrations run without it. SQLite has no
	// such setting: statements stop when their context is cancelled.
	StatementTimeout time.Duration
}

// Open connects to the database named by dsn: a postgres:// URL, or a
// SQLite file path (optionally prefixed with "sqlite:" or "file:").
// It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, opts Options) (*DB, error) {
	_, dial, source, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	migrationDSN := ""
	if dial == dialect.Postgres && opts.StatementTimeout > 0 {
		withTimeout, err := withStatementTimeout(source, opts.StatementTimeout)
		if err != nil {
			return nil, err
		}
		if withTimeout != source {
			migrationDSN, source = source, withTimeout
		}
	}
	var db *sql.DB
	if dial == dialect.SQLite {
		db = sql.OpenDB(sqliteConnector{dsn: source, drv: &sqlite.Driver{}})
	} else {
		connector, err := newPostgresConnector(source)
		if err != nil {
			return nil, fmt.Errorf("opening %s database: %w", dial, err)
		}
		db = sql.OpenDB(connector)
	}
	if dial == dialect.Postgres {
		db.SetMaxOpenConns(40)
		db.SetMaxIdleConns(10)
	} else {
		// SQLite reads concurrently (WAL) and writes one at a time: a
		// bounded pool keeps bursts of readers (e.g. live queues evaluated
		// at once) from opening a connection, and its page cache, each.
		// Not 1: a writer waiting for the lock holds a connection, and
		// code using the pool while a transaction is open would deadlock.
		db.SetMaxOpenConns(sqliteMaxConns)
		db.SetMaxIdleConns(sqliteMaxConns / 4)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to %s database: %w", dial, err)
	}
	drv := txDriver{Driver: entsql.OpenDB(dial, db)}
	if dial == dialect.SQLite {
		drv.writes = newWriteQueue()
	}
	return &DB{Client: ent.NewClient(ent.Driver(drv)), SQL: db, Dialect: dial, DSN: source, migrationDSN: migrationDSN, driver: drv}, nil
}

// withStatementTimeout adds statement_timeout to a PostgreSQL URL that
// sets none, directly or in its options parameter; lib/pq sends unknown
// URL parameters to the server as run-time parameters.
func withStatementTimeout(dsn string, d time.Duration) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parsing the database URL: %w", err)
	}
	q := u.Query()
	if q.Has("statement_timeout") || strings.Contains(q.Get("options"), "statement_timeout") {
		return dsn, nil
	}
	q.Set("statement_timeout", strconv.FormatInt(max(d.Milliseconds(), 1), 10))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Close closes the client and the connection pool.
func (d *DB) Close() error { return d.Client.Close() }

// Ping checks that the database answers; it backs the readiness probe.
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }

// parseDSN picks the driver and builds its data source name. SQLite gets
// the pragmas the service relies on: foreign keys, WAL, a busy timeout,
// and BEGIN IMMEDIATE so that writers queue instead of failing.
func parseDSN(dsn string) (driverName, dial, source string, err error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres", dialect.Postgres, dsn, nil
	case dsn == "":
		return "", "", "", fmt.Errorf("no database given")
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	query := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", "", "", fmt.Errorf("parsing SQLite options %q: %w", query, err)
	}
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "busy_timeout(10000)")
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Set("_txlock", "immediate")
	return "sqlite", dialect.SQLite, "file:" + path + "?" + params.Encode(), nil
}
