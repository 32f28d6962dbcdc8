package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"entgo.io/ent/dialect"

	"helpdesk/internal/auth"
	"helpdesk/internal/demo"
	"helpdesk/internal/store"
)

// demoLockKey is the PostgreSQL advisory lock that lets one process at a
// time copy the demo in.
const demoLockKey = 0x68656c7064656d6f // "helpdemo"

// LoadDemo fills the App's database with the demo helpdesk (see package
// demo) when it has no agents yet, entirely or not at all: a process that
// dies half-way leaves the database empty, and the next start loads it.
// It writes the given number of tickets (zero: demo.DefaultTicketCount)
// and reports whether it loaded anything.
//
// On SQLite the demo is written through the services in one transaction.
// On PostgreSQL, where each of the loader's tens of thousands of
// statements would be a round trip, it is written the same way into a
// scratch SQLite file, then copied over with COPY in one transaction,
// with the jobs it scheduled; two processes starting at once load it once.
func (a *App) LoadDemo(ctx context.Context, now time.Time, tickets int) (demo.Summary, bool, error) {
	ctx = auth.WithViewer(ctx, auth.System)
	if empty, err := demo.IsEmpty(ctx, a.DB.Client); err != nil || !empty {
		return demo.Summary{}, false, err
	}
	// The load allocates a lot of short-lived garbage and keeps little:
	// collecting less often saves a fifth of its CPU time.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	if a.DB.Dialect != dialect.Postgres {
		sum, err := demo.Load(ctx, a.demoServices(tickets), now, 1)
		return sum, err == nil, err
	}
	dir, err := os.MkdirTemp("", "helpdesk-demo-")
	if err != nil {
		return demo.Summary{}, false, fmt.Errorf("creating a scratch directory for the demo: %w", err)
	}
	defer os.RemoveAll(dir)
	scratch, err := store.Open(ctx, "file:"+filepath.Join(dir, "demo.db"))
	if err != nil {
		return demo.Summary{}, false, err
	}
	defer scratch.Close()
	if _, err := scratch.Migrate(ctx); err != nil {
		return demo.Summary{}, false, err
	}
	opts := a.options
	opts.Now = nil
	opts.Logger = slog.New(slog.DiscardHandler)
	composer, err := NewApp(ctx, scratch, opts)
	if err != nil {
		return demo.Summary{}, false, err
	}
	defer composer.Close()
	written := time.Now()
	sum, err := demo.Load(ctx, composer.demoServices(tickets), now, 1)
	if err != nil {
		return sum, false, err
	}
	logger := a.options.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Debug("demo written to a scratch SQLite database", "duration", time.Since(written).Round(time.Millisecond))
	copied := time.Now()
	defer func() { logger.Debug("demo copied", "duration", time.Since(copied).Round(time.Millisecond)) }()
	loaded := false
	err = a.DB.InOneTransaction(ctx, func(ctx context.Context) error {
		tx := store.SQLTx(ctx)
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(demoLockKey)); err != nil {
			return fmt.Errorf("locking the demo load: %w", err)
		}
		if empty, err := demo.IsEmpty(ctx, a.DB.Client); err != nil || !empty {
			return err // another process loaded it meanwhile
		}
		if _, err := a.DB.CopyRows(ctx, scratch); err != nil {
			return err
		}
		if _, err := a.Jobs.CopyPendingTx(ctx, tx, composer.Jobs); err != nil {
			return err
		}
		loaded = true
		return nil
	})
	if err != nil || !loaded {
		return demo.Summary{}, false, err
	}
	return sum, true, a.Authz.Reload()
}

func (a *App) demoServices(tickets int) demo.Services {
	return demo.Services{DB: a.DB, Tickets: a.Tickets, Directory: a.Directory, Catalog: a.Catalog,
		SLA: a.SLA, Jobs: a.Jobs, TicketCount: tickets}
}
