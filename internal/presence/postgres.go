package presence

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"

	"helpdesk/internal/gid"
)

// Channel is the PostgreSQL notification channel carrying presence
// updates between replicas.
const Channel = "helpdesk_presence"

// sendQueue is how many updates may wait to be sent; beyond it updates
// are dropped (the other replicas then catch up at the next refresh or
// expiry).
const sendQueue = 1024

// Postgres carries presence updates between the processes sharing one
// PostgreSQL database with NOTIFY on Channel. It listens with a
// connection of its own: the ticket event bus's listener serves the event
// log alone, and presence never waits behind it. A process ignores its own
// notifications (it applied the update already).
type Postgres struct {
	db     *sql.DB
	dsn    string
	logger *slog.Logger
	origin string

	listener *pq.Listener
	queue    chan Update
	stop     context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	closed   bool
}

// NewPostgres returns a broadcaster sending over db and listening with
// its own connection to dsn once started.
func NewPostgres(db *sql.DB, dsn string, logger *slog.Logger) *Postgres {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Postgres{db: db, dsn: dsn, logger: logger, origin: hex.EncodeToString(b), queue: make(chan Update, sendQueue)}
}

// notice is an update as it travels in a notification's payload (well
// under PostgreSQL's 8000 bytes): ids, state, when the state began and
// how long it lasts without a refresh.
type notice struct {
	Origin   string `json:"o"`
	TicketID gid.ID `json:"t"`
	AgentID  gid.ID `json:"a"`
	State    State  `json:"s"`
	Since    int64  `json:"since,omitempty"` // Unix milliseconds
	TTL      int64  `json:"ttl,omitempty"`   // milliseconds
	Resync   bool   `json:"r,omitempty"`     // send your entries again
}

// Start implements Broadcaster.
func (p *Postgres) Start(ctx context.Context, receive func(Update)) error {
	p.listener = pq.NewListener(p.dsn, 100*time.Millisecond, 5*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			p.logger.Warn("presence listener", "event", ev, "error", err)
		}
	})
	if err := p.listener.Listen(Channel); err != nil {
		_ = p.listener.Close()
		return fmt.Errorf("listening for presence: %w", err)
	}
	ctx, p.stop = context.WithCancel(ctx)
	p.wg.Add(2)
	go p.receive(ctx, receive)
	go p.send(ctx)
	return nil
}

// Send implements Broadcaster; it never waits.
func (p *Postgres) Send(u Update) {
	select {
	case p.queue <- u:
	default:
		p.logger.Warn("presence update dropped: send queue full", "ticket", u.TicketID)
	}
}

func (p *Postgres) receive(ctx context.Context, receive func(Update)) {
	defer p.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case n, ok := <-p.listener.Notify:
			if !ok {
				return
			}
			// nil follows a reconnect: updates sent meanwhile are lost,
			// and the hub asks the others for theirs again.
			if n == nil {
				receive(Update{Reconnected: true})
				continue
			}
			var m notice
			if err := json.Unmarshal([]byte(n.Extra), &m); err != nil || m.Origin == p.origin {
				continue
			}
			if m.Resync {
				receive(Update{Resync: true})
				continue
			}
			if !m.State.Valid() {
				continue
			}
			receive(Update{TicketID: m.TicketID, AgentID: m.AgentID, State: m.State,
				Since: time.UnixMilli(m.Since), TTL: time.Duration(m.TTL) * time.Millisecond})
		}
	}
}

func (p *Postgres) send(ctx context.Context) {
	defer p.wg.Done()
	for {
		var u Update
		select {
		case <-ctx.Done():
			return
		case u = <-p.queue:
		}
		m := notice{Origin: p.origin, TicketID: u.TicketID, AgentID: u.AgentID, State: u.State, Resync: u.Resync}
		if u.State != StateLeft && !u.Resync {
			m.Since, m.TTL = u.Since.UnixMilli(), u.TTL.Milliseconds()
		}
		payload, err := json.Marshal(m)
		if err != nil {
			continue
		}
		if _, err := p.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", Channel, string(payload)); err != nil && ctx.Err() == nil {
			p.logger.Warn("sending presence", "error", err)
		}
	}
}

// Close implements Broadcaster.
func (p *Postgres) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.stop == nil {
		return
	}
	p.closed = true
	p.stop()
	_ = p.listener.Close()
	p.wg.Wait()
}
