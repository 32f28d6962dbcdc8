package authz

import (
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"
)

// policyChannel is the PostgreSQL notification channel announcing a policy
// change.
const policyChannel = "helpdesk_authz_policy"

// postgresWatcher tells every replica sharing a PostgreSQL database that
// the policy changed: a change sends one NOTIFY, and each replica's single
// LISTEN connection reloads the policy when it hears one — and after any
// reconnect, in case it missed one.
type postgresWatcher struct {
	db       *sql.DB
	listener *pq.Listener
	logger   *slog.Logger

	mu       sync.Mutex
	callback func(string)

	done chan struct{}
	wg   sync.WaitGroup
}

func newPostgresWatcher(dsn string, db *sql.DB, logger *slog.Logger) (*postgresWatcher, error) {
	w := &postgresWatcher{db: db, logger: logger, done: make(chan struct{})}
	w.listener = pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			logger.Warn("authorization policy listener", "event", ev, "error", err)
		}
	})
	if err := w.listener.Listen(policyChannel); err != nil {
		w.listener.Close()
		return nil, fmt.Errorf("listening for policy changes: %w", err)
	}
	w.wg.Add(1)
	go w.run()
	return w, nil
}

func (w *postgresWatcher) run() {
	defer w.wg.Done()
	for {
		select {
		case <-w.done:
			return
		case _, ok := <-w.listener.Notify:
			if !ok {
				return
			}
			// A nil notification means the connection was re-established:
			// reload as well, since a change may have been missed.
			w.mu.Lock()
			cb := w.callback
			w.mu.Unlock()
			if cb != nil {
				cb(policyChannel)
			}
		}
	}
}

// SetUpdateCallback implements persist.Watcher.
func (w *postgresWatcher) SetUpdateCallback(cb func(string)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.callback = cb
	return nil
}

// Update implements persist.Watcher: it announces a change to every replica.
func (w *postgresWatcher) Update() error {
	if _, err := w.db.Exec("SELECT pg_notify($1, '')", policyChannel); err != nil {
		return fmt.Errorf("announcing a policy change: %w", err)
	}
	return nil
}

// Close implements persist.Watcher: it stops listening and waits for the
// listening goroutine to end.
func (w *postgresWatcher) Close() {
	close(w.done)
	_ = w.listener.Close()
	w.wg.Wait()
}
