package realtime

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/lib/pq"

	"helpdesk/ent"
)

// Channel is the PostgreSQL notification channel announcing new events;
// its payload is the highest sequence committed.
const Channel = "helpdesk_ticket_events"

// readBatch is how many events one read of the log returns.
const readBatch = 500

// Postgres is the bus of replicas sharing one PostgreSQL database. After
// a commit the publishing process sends one NOTIFY carrying the highest
// new sequence; every process holds one LISTEN connection and, when it
// hears one (or its own commit, or a reconnect of the listener, or a
// periodic check), reads the events after the last sequence it delivered
// from the log, in order, and fans them out. The log is the source: a
// missed notification delays events, it never loses them.
type Postgres struct {
	*hub
	client *ent.Client
	db     *sql.DB
	dsn    string
	logger *slog.Logger
	// Recheck is how often the log is read without a notification, in
	// case one was missed; zero means 30 seconds.
	Recheck time.Duration

	listener *pq.Listener
	kick     chan struct{} // read the log now
	notify   chan struct{} // send a NOTIFY for pending
	mu       sync.Mutex
	pending  int64
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

// NewPostgres returns a bus positioned after the newest event of the log;
// it listens with its own connection to dsn once started.
func NewPostgres(ctx context.Context, client *ent.Client, db *sql.DB, dsn string, logger *slog.Logger) (*Postgres, error) {
	last, err := LastSequence(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("reading the event log's position: %w", err)
	}
	h := newHub()
	h.last = last
	return &Postgres{hub: h, client: client, db: db, dsn: dsn, logger: logger,
		kick: make(chan struct{}, 1), notify: make(chan struct{}, 1)}, nil
}

// Start opens the LISTEN connection and starts reading and notifying.
func (p *Postgres) Start(ctx context.Context) error {
	p.listener = pq.NewListener(p.dsn, 100*time.Millisecond, 5*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			p.logger.Warn("ticket event listener", "event", ev, "error", err)
		}
	})
	if err := p.listener.Listen(Channel); err != nil {
		_ = p.listener.Close()
		return fmt.Errorf("listening for ticket events: %w", err)
	}
	ctx, p.stop = context.WithCancel(context.WithoutCancel(ctx))
	p.wg.Add(2)
	go p.read(ctx)
	go p.announce(ctx)
	p.wake(p.kick) // events committed before the listener started
	return nil
}

// Publish implements events.Publisher: it wakes this process's reader
// and announces the new sequence to the other processes. It never waits
// for the database.
func (p *Postgres) Publish(_ context.Context, evs []*ent.TicketEvent) {
	if len(evs) == 0 {
		return
	}
	p.mu.Lock()
	if s := evs[len(evs)-1].Sequence; s > p.pending {
		p.pending = s
	}
	p.mu.Unlock()
	p.wake(p.kick)
	p.wake(p.notify)
}

func (p *Postgres) wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// read reads the log whenever there may be new events.
func (p *Postgres) read(ctx context.Context) {
	defer p.wg.Done()
	every := p.Recheck
	if every <= 0 {
		every = 30 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	retry := time.NewTimer(0)
	<-retry.C
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-p.listener.Notify:
			// A nil notification follows a reconnect: read anyway, since
			// notifications may have been missed.
			if !ok {
				return
			}
		case <-p.kick:
		case <-tick.C:
		case <-retry.C:
		}
		if err := p.catchUp(ctx); err != nil && ctx.Err() == nil {
			p.logger.Warn("reading the ticket event log", "error", err)
			retry.Reset(time.Second)
		}
	}
}

// catchUp delivers every event of the log after the last delivered one.
func (p *Postgres) catchUp(ctx context.Context) error {
	for {
		evs, err := ReadAfter(ctx, p.client, p.position(), readBatch)
		if err != nil {
			return err
		}
		p.deliver(evs)
		if len(evs) < readBatch {
			return nil
		}
	}
}

// announce sends one NOTIFY with the highest published sequence whenever
// there is one to send; notifications coalesce while one is being sent.
func (p *Postgres) announce(ctx context.Context) {
	defer p.wg.Done()
	var sent int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.notify:
		}
		p.mu.Lock()
		seq := p.pending
		p.mu.Unlock()
		if seq <= sent {
			continue
		}
		if _, err := p.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", Channel, strconv.FormatInt(seq, 10)); err != nil {
			if ctx.Err() == nil {
				p.logger.Warn("announcing ticket events", "error", err)
			}
			// The other processes find the events at their next check.
			continue
		}
		sent = seq
	}
}

// Close stops listening and ends every subscription.
func (p *Postgres) Close() {
	if p.stop != nil {
		p.stop()
		_ = p.listener.Close()
		p.wg.Wait()
		p.stop = nil
	}
	p.closeAll()
}
