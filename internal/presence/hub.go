// Package presence tracks who is looking at or replying to a ticket right
// now. Presence is ephemeral: it lives in each process's memory, never in
// the event log; a Broadcaster carries changes between replicas.
package presence

import (
	"context"
	"sort"
	"sync"
	"time"

	"helpdesk/ent"
	"helpdesk/internal/gid"
)

// State is what an agent is doing on a ticket.
type State string

// The states of presence; LEFT removes the agent's entry.
const (
	StateViewing State = "VIEWING"
	StateTyping  State = "TYPING"
	StateLeft    State = "LEFT"
)

// Valid reports whether s is one of the states.
func (s State) Valid() bool { return s == StateViewing || s == StateTyping || s == StateLeft }

// DefaultTimeout is how long an entry lives without a refresh.
const DefaultTimeout = 30 * time.Second

// Entry is one agent's presence on a ticket.
type Entry struct {
	AgentID gid.ID
	// Agent is the agent, loaded for the viewer when the entry is
	// delivered; nil inside the Hub.
	Agent *ent.Agent
	State State
	// Since is when the agent took this state; UpdatedAt is the last
	// refresh.
	Since     time.Time
	UpdatedAt time.Time

	expires time.Time
	owner   *Connection // the socket the entry was last set over, if any
	local   bool        // set in this process (not received from another)
}

// Update is one change of presence, as it crosses processes: an agent
// took a state on a ticket (LEFT removes the entry) for TTL.
type Update struct {
	TicketID gid.ID
	AgentID  gid.ID
	State    State
	Since    time.Time
	TTL      time.Duration

	// Resync, from another process, asks every process to send its own
	// entries again (that process missed updates, or just started); the
	// other fields are empty.
	Resync bool
	// Reconnected is handed to the hub by its own broadcaster when it
	// receives again after a break: updates sent meanwhile were lost.
	Reconnected bool
}

// DefaultResyncGrace is how long after a reconnect the other processes
// have to send their entries again before the ones they did not confirm
// are dropped.
const DefaultResyncGrace = 2 * time.Second

// Hub keeps the presence of this process's view of every ticket (ticket →
// agent → entry), applies local and remote updates, expires entries, and
// hands each watcher of a ticket the full list whenever it changes. Its
// expiry loop runs between Start and Close.
type Hub struct {
	// Timeout is how long an entry lives without a refresh; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Broadcaster carries updates to the other processes; nil means this
	// process is alone.
	Broadcaster Broadcaster
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ResyncGrace is how long the other processes have to confirm their
	// entries after this one reconnects; zero means DefaultResyncGrace.
	ResyncGrace time.Duration

	mu       sync.Mutex
	tickets  map[gid.ID]map[gid.ID]*Entry
	watchers map[gid.ID]map[*Watcher]struct{}
	closed   bool
	stop     context.CancelFunc
	done     chan struct{}
	wg       sync.WaitGroup
}

// Broadcaster carries presence updates between the processes sharing a
// database. Send never blocks; Start delivers the other processes'
// updates to receive until Close.
type Broadcaster interface {
	Start(ctx context.Context, receive func(Update)) error
	Send(Update)
	Close()
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{
		tickets:  map[gid.ID]map[gid.ID]*Entry{},
		watchers: map[gid.ID]map[*Watcher]struct{}{},
		done:     make(chan struct{}),
	}
}

func (h *Hub) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Hub) timeout() time.Duration {
	if h.Timeout > 0 {
		return h.Timeout
	}
	return DefaultTimeout
}

// Start starts expiring entries and receiving the other processes'
// updates.
func (h *Hub) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if h.Broadcaster != nil {
		if err := h.Broadcaster.Start(ctx, h.receive); err != nil {
			cancel()
			return err
		}
		// A process that starts knows nobody's presence yet.
		h.Broadcaster.Send(Update{Resync: true})
	}
	h.mu.Lock()
	h.stop = cancel
	h.mu.Unlock()
	h.wg.Add(1)
	go h.expireLoop(ctx)
	return nil
}

// Close stops the hub: its loops end, every watcher's channel is closed
// and the broadcaster stops.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	stop := h.stop
	close(h.done)
	for _, ws := range h.watchers {
		for w := range ws {
			close(w.ch)
		}
	}
	h.watchers = map[gid.ID]map[*Watcher]struct{}{}
	h.mu.Unlock()
	if stop != nil {
		stop()
	}
	if h.Broadcaster != nil {
		h.Broadcaster.Close()
	}
	h.wg.Wait()
}

// Set records that agentID took state on ticketID (LEFT removes the
// entry), tells the other processes, and returns at once. An entry set
// over a socket (conn not nil) is removed when the socket closes, unless
// a later update came over another one.
func (h *Hub) Set(ticketID, agentID gid.ID, state State, conn *Connection) {
	now := h.now()
	u := Update{TicketID: ticketID, AgentID: agentID, State: state, Since: now, TTL: h.timeout()}
	h.mu.Lock()
	if e := h.tickets[ticketID][agentID]; e != nil && e.State == state {
		u.Since = e.Since
	}
	h.applyLocked(u, now, conn, true)
	h.mu.Unlock()
	if conn != nil && state != StateLeft {
		h.follow(conn)
	}
	if h.Broadcaster != nil {
		h.Broadcaster.Send(u)
	}
}

// receive handles what the broadcaster delivers: another process's
// update, its request to send our entries again, or the news that this
// process's own receiving broke and resumed.
func (h *Hub) receive(u Update) {
	switch {
	case u.Reconnected:
		h.resync()
	case u.Resync:
		h.sendLocal()
	default:
		h.mu.Lock()
		defer h.mu.Unlock()
		h.applyLocked(u, h.now(), nil, false)
	}
}

// resync recovers from updates lost while this process was not receiving:
// it asks the other processes to send their entries again, and once they
// have had ResyncGrace to do so, drops the other processes' entries that
// were neither confirmed nor refreshed since (their LEFT was lost). It
// sends its own entries too: when every listener broke at once, another
// process may have missed them, and its request for them may have come
// while this one was still reconnecting.
func (h *Hub) resync() {
	asked := h.now()
	h.Broadcaster.Send(Update{Resync: true})
	h.sendLocal()
	grace := h.ResyncGrace
	if grace <= 0 {
		grace = DefaultResyncGrace
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			h.dropUnconfirmed(asked)
		case <-h.done:
		}
	}()
}

// dropUnconfirmed removes the other processes' entries last updated
// before asked.
func (h *Hub) dropUnconfirmed(asked time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ticketID, agents := range h.tickets {
		for agentID, e := range agents {
			if !e.local && e.UpdatedAt.Before(asked) {
				h.applyLocked(Update{TicketID: ticketID, AgentID: agentID, State: StateLeft}, h.now(), nil, false)
			}
		}
	}
}

// sendLocal sends every entry set in this process again, each with the
// time it has left.
func (h *Hub) sendLocal() {
	now := h.now()
	var mine []Update
	h.mu.Lock()
	for ticketID, agents := range h.tickets {
		for agentID, e := range agents {
			if e.local && now.Before(e.expires) {
				mine = append(mine, Update{TicketID: ticketID, AgentID: agentID, State: e.State, Since: e.Since, TTL: e.expires.Sub(now)})
			}
		}
	}
	h.mu.Unlock()
	for _, u := range mine {
		h.Broadcaster.Send(u)
	}
}

func (h *Hub) applyLocked(u Update, now time.Time, conn *Connection, local bool) {
	if h.closed {
		return
	}
	agents := h.tickets[u.TicketID]
	if u.State == StateLeft {
		if _, ok := agents[u.AgentID]; !ok {
			return
		}
		delete(agents, u.AgentID)
		if len(agents) == 0 {
			delete(h.tickets, u.TicketID)
		}
		h.notifyLocked(u.TicketID)
		return
	}
	if agents == nil {
		agents = map[gid.ID]*Entry{}
		h.tickets[u.TicketID] = agents
	}
	old := agents[u.AgentID]
	agents[u.AgentID] = &Entry{AgentID: u.AgentID, State: u.State, Since: u.Since, UpdatedAt: now,
		expires: now.Add(u.TTL), owner: conn, local: local}
	// A refresh that changes nothing visible is not delivered.
	if old == nil || old.State != u.State || !old.Since.Equal(u.Since) {
		h.notifyLocked(u.TicketID)
	}
}

// follow removes conn's entries when the socket closes; one goroutine per
// socket, owned by the hub.
func (h *Hub) follow(conn *Connection) {
	conn.once.Do(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.closed {
			return
		}
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			select {
			case <-conn.done:
				h.dropConnection(conn)
			case <-h.done:
			}
		}()
	})
}

// dropConnection removes the entries last set over conn and tells the
// other processes.
func (h *Hub) dropConnection(conn *Connection) {
	var gone []Update
	h.mu.Lock()
	for ticketID, agents := range h.tickets {
		for agentID, e := range agents {
			if e.owner == conn {
				gone = append(gone, Update{TicketID: ticketID, AgentID: agentID, State: StateLeft})
			}
		}
	}
	for _, u := range gone {
		h.applyLocked(u, h.now(), nil, true)
	}
	h.mu.Unlock()
	if h.Broadcaster != nil {
		for _, u := range gone {
			h.Broadcaster.Send(u)
		}
	}
}

// expireLoop removes entries that were not refreshed in time.
func (h *Hub) expireLoop(ctx context.Context) {
	defer h.wg.Done()
	every := h.timeout() / 4
	if every < 10*time.Millisecond {
		every = 10 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			h.expire()
		}
	}
}

// expire removes every entry past its expiry. Each process expires
// entries itself, so a replica that stopped leaves no ghosts behind.
func (h *Hub) expire() {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for ticketID, agents := range h.tickets {
		changed := false
		for agentID, e := range agents {
			if !now.Before(e.expires) {
				delete(agents, agentID)
				changed = true
			}
		}
		if len(agents) == 0 {
			delete(h.tickets, ticketID)
		}
		if changed {
			h.notifyLocked(ticketID)
		}
	}
}

// listLocked returns the entries of a ticket, oldest first.
func (h *Hub) listLocked(ticketID gid.ID) []Entry {
	agents := h.tickets[ticketID]
	list := make([]Entry, 0, len(agents))
	for _, e := range agents {
		c := *e
		c.owner = nil
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].Since.Equal(list[j].Since) {
			return list[i].Since.Before(list[j].Since)
		}
		return list[i].AgentID < list[j].AgentID
	})
	return list
}

// List returns the current entries of a ticket, oldest first.
func (h *Hub) List(ticketID gid.ID) []Entry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.listLocked(ticketID)
}
