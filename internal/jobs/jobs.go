// Package jobs runs durable background jobs on River, in the service's
// own database (PostgreSQL or SQLite): a job is inserted in the same
// transaction as the change that schedules it, survives restarts, and
// runs once across all replicas.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"helpdesk/internal/store"
)

// Config configures a Queue.
type Config struct {
	// Workers run the job kinds this process knows.
	Workers *river.Workers
	// Now is the clock River schedules by, when the services run on an
	// injected clock; nil means the real time (and the database's).
	Now func() time.Time
	// PollInterval is how often idle workers look for due jobs (at least
	// 100 ms; zero means River's default).
	PollInterval time.Duration
	Logger       *slog.Logger
	// Middleware wraps job insertion and work (such as tracing).
	Middleware []rivertype.Middleware
}

// Queue inserts and runs jobs. Insert works as soon as it is built; jobs
// run between Start and Stop.
type Queue struct {
	client *river.Client[*sql.Tx]
}

// New builds the queue over db, whose migrations must have run.
func New(db *store.DB, cfg Config) (*Queue, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	config := &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers:           cfg.Workers,
		FetchPollInterval: cfg.PollInterval,
		Logger:            slog.New(quiet{logger.Handler()}).With("component", "jobs"),
		Middleware:        append([]rivertype.Middleware{&observer{}}, cfg.Middleware...),
	}
	if cfg.Now != nil {
		config.Test.Time = clock(cfg.Now)
	}
	client, err := river.NewClient(db.JobDriver(), config)
	if err != nil {
		return nil, fmt.Errorf("creating the job queue: %w", err)
	}
	return &Queue{client: client}, nil
}

// InsertTx enqueues a job on tx: it exists if, and only if, tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return q.client.InsertTx(ctx, tx, args, opts)
}

// Start starts working jobs until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("starting the job queue: %w", err)
	}
	return nil
}

// Stop lets running jobs finish (until ctx ends) and stops working.
func (q *Queue) Stop(ctx context.Context) error {
	if err := q.client.Stop(ctx); err != nil {
		return fmt.Errorf("stopping the job queue: %w", err)
	}
	return nil
}

// clock gives River the services' clock, so that a job scheduled "in
// seven days" by a service is due when that clock says so.
type clock func() time.Time

func (c clock) Now() time.Time { return c() }

func (c clock) NowOrNil() *time.Time {
	t := c()
	return &t
}

// quiet passes on only warnings and errors: River reports routine starts
// and stops at INFO.
type quiet struct{ slog.Handler }

func (q quiet) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && q.Handler.Enabled(ctx, l)
}

func (q quiet) WithAttrs(attrs []slog.Attr) slog.Handler { return quiet{q.Handler.WithAttrs(attrs)} }

func (q quiet) WithGroup(name string) slog.Handler { return quiet{q.Handler.WithGroup(name)} }
