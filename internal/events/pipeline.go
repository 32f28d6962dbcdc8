// Package events is the one path every ticket change takes: a service
// describes the change as a Change value and records it on a pipeline
// transaction; registered reactors run inside that transaction (they may
// write rows and enqueue durable jobs on it); right before commit the
// changes are appended to the ticket_events log with gap-free sequence
// numbers; after, and only after, the commit the committed events go to
// the Publisher in sequence order.
//
// Nothing else writes ticket_events.
package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"helpdesk/ent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/gid"
	"helpdesk/internal/store"
)

// Change is one change to one ticket, as the service that made it
// describes it.
type Change struct {
	TicketID gid.ID
	// ActorID is the agent who made the change; nil for the system and
	// for customers.
	ActorID *gid.ID
	Kind    ticketevent.Kind
	// Changes lists each field that changed, from → to.
	Changes []schematype.FieldChange
	// CommentID is the comment a COMMENTED change added.
	CommentID *gid.ID
	At        time.Time
}

// Reactor reacts to a change inside the transaction that made it. An
// error rolls the whole change back.
type Reactor interface {
	React(ctx context.Context, tx *Tx, c Change) error
}

// ReactorFunc adapts a function to Reactor.
type ReactorFunc func(ctx context.Context, tx *Tx, c Change) error

// React implements Reactor.
func (f ReactorFunc) React(ctx context.Context, tx *Tx, c Change) error { return f(ctx, tx, c) }

// Publisher receives the events of each committed transaction after
// commit; within one process, batches arrive in sequence order (events
// committed by other processes are found in the log, by sequence). It must not block: a slow consumer is the
// publisher's problem, not the writer's.
type Publisher interface {
	Publish(ctx context.Context, events []*ent.TicketEvent)
}

// JobInserter enqueues a durable job on a transaction (River's client).
type JobInserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Pipeline runs ticket changes. Configure it before first use; it is
// then safe for concurrent use.
type Pipeline struct {
	Client  *ent.Client
	Dialect string
	// Jobs enqueues durable jobs; nil refuses EnqueueJob.
	Jobs JobInserter
	// Publisher receives committed events; nil publishes nothing.
	Publisher Publisher

	reactors []Reactor
	// cacheTickets: CacheRows installed its hooks.
	cacheTickets bool
	// publishing orders this process's commits of events: it is taken
	// right before the sequence counter and released once the events are
	// published, so batches reach the Publisher in sequence order. The
	// database's lock on the counter serialises the same span anyway.
	publishing sync.Mutex
}

// maxReactionDepth bounds changes recorded by reactors in reaction to
// changes recorded by reactors, so two reactors cannot loop forever.
const maxReactionDepth = 4

// React registers a reactor; reactors run in registration order.
func (p *Pipeline) React(r Reactor) { p.reactors = append(p.reactors, r) }

// Tx is a transaction on which changes are recorded. It is ent's
// transaction, plus Record and EnqueueJob.
type Tx struct {
	*ent.Tx
	sql          *sql.Tx
	p            *Pipeline
	pending      []Change
	depth        int
	beforeAppend []func(ctx context.Context) error
	// reacting is the index in pending of the change whose reactors are
	// running, -1 outside reactors.
	reacting int
	onEvent  []eventHook
	// tickets caches ticket rows (see LoadTicket).
	tickets map[gid.ID]cachedTicket
	// remembered holds the values of Remember.
	remembered map[string]remembered
	// shared is the row cache of ShareRows, nil without it.
	shared *sharedRows
}

// eventHook is a function to run on the event of pending[index].
type eventHook struct {
	index int
	fn    func(ctx context.Context, ev *ent.TicketEvent) error
}

// WithTx runs fn in one transaction. When fn returns nil, the recorded
// changes are appended to the event log and the transaction commits; then
// the committed events are published. When fn (or a reactor) fails,
// nothing of it remains: no rows, no events, no jobs.
func (p *Pipeline) WithTx(ctx context.Context, fn func(tx *Tx) error) error {
	var committed []*ent.TicketEvent
	shared := sharedRowsFrom(ctx)
	locked := false
	defer func() {
		if locked {
			p.publishing.Unlock()
		}
	}()
	err := store.Transact(ctx, p.Client, func(etx *ent.Tx, sqlTx *sql.Tx) error {
		tx := &Tx{Tx: etx, sql: sqlTx, p: p, reacting: -1}
		if shared != nil {
			tx.tickets, tx.remembered, tx.shared = shared.tickets, shared.remembered, shared
		}
		if err := fn(tx); err != nil {
			return err
		}
		for _, hook := range tx.beforeAppend {
			if err := hook(ctx); err != nil {
				return err
			}
		}
		if len(tx.pending) == 0 {
			return nil
		}
		p.publishing.Lock()
		locked = true
		var err error
		committed, err = tx.appendEvents(ctx)
		return err
	})
	if err != nil {
		shared.forget()
		return err
	}
	if len(committed) > 0 && p.Publisher != nil {
		p.Publisher.Publish(context.WithoutCancel(ctx), committed)
	}
	return nil
}

// Record describes a change made on this transaction and runs the
// reactors on it. The change's event is written when the transaction
// commits.
func (tx *Tx) Record(ctx context.Context, c Change) error {
	if c.TicketID == "" || c.Kind == "" || c.At.IsZero() {
		return fmt.Errorf("recording a change: ticket, kind and time are required (got %q, %q, %v)", c.TicketID, c.Kind, c.At)
	}
	if tx.depth > maxReactionDepth {
		return fmt.Errorf("recording a change to %s: reactors kept reacting to their own changes", c.TicketID)
	}
	if c.Changes == nil {
		c.Changes = []schematype.FieldChange{}
	}
	index := len(tx.pending)
	tx.pending = append(tx.pending, c)
	tx.depth++
	outer := tx.reacting
	defer func() { tx.depth--; tx.reacting = outer }()
	for _, r := range tx.p.reactors {
		tx.reacting = index
		if err := r.React(ctx, tx, c); err != nil {
			return fmt.Errorf("reacting to %s of %s: %w", c.Kind, c.TicketID, err)
		}
	}
	return nil
}

// BeforeAppend registers fn to run once the change is complete, right
// before its events are appended and it commits: the place to take other
// gap-free counters so that their locks, too, are held only until the
// imminent commit. Hooks run in registration order;
// an error rolls the change back. A hook may still edit the Changes of
// recorded changes through pointers it kept (the To of a field change).
func (tx *Tx) BeforeAppend(fn func(ctx context.Context) error) {
	tx.beforeAppend = append(tx.beforeAppend, fn)
}

// Recorded counts the changes recorded so far on this transaction for
// one ticket: more than the caller's own means reactors changed it too.
func (tx *Tx) Recorded(ticketID gid.ID) int {
	n := 0
	for _, c := range tx.pending {
		if c.TicketID == ticketID {
			n++
		}
	}
	return n
}

// ErrNotReacting is returned by OnEvent outside a reactor.
var ErrNotReacting = errors.New("OnEvent is for reactors: no change is being reacted to")

// OnEvent lets a reactor write rows that need the event of the change it
// reacts to (its id or sequence): fn runs on this transaction once the
// event is appended, right before commit, while the sequence counter is
// held — so it should write, not compute. An error from fn rolls the
// whole change back.
func (tx *Tx) OnEvent(fn func(ctx context.Context, ev *ent.TicketEvent) error) error {
	if tx.reacting < 0 {
		return ErrNotReacting
	}
	tx.onEvent = append(tx.onEvent, eventHook{index: tx.reacting, fn: fn})
	return nil
}

// ErrNoJobQueue is returned by EnqueueJob on a pipeline without Jobs.
var ErrNoJobQueue = errors.New("no job queue is configured")

// EnqueueJob inserts a durable job on this transaction: it exists if, and
// only if, the transaction commits.
func (tx *Tx) EnqueueJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if tx.p.Jobs == nil {
		return ErrNoJobQueue
	}
	if _, err := tx.p.Jobs.InsertTx(ctx, tx.sql, args, opts); err != nil {
		return fmt.Errorf("enqueueing %s job: %w", args.Kind(), err)
	}
	return nil
}

// appendEvents writes the pending changes to the log. The sequence
// counter is taken here, right before commit, so the lock that orders all
// writers is held only while the events are inserted and committed.
func (tx *Tx) appendEvents(ctx context.Context) ([]*ent.TicketEvent, error) {
	n := len(tx.pending)
	if n == 0 {
		return nil, nil
	}
	var events []*ent.TicketEvent
	var err error
	if tx.p.Dialect == dialect.Postgres && tx.shared == nil {
		events, err = tx.insertEventsPostgres(ctx)
	} else {
		events, err = tx.insertEvents(ctx)
	}
	if err != nil {
		return nil, err
	}
	for _, h := range tx.onEvent {
		if err := h.fn(ctx, events[h.index]); err != nil {
			return nil, fmt.Errorf("reacting to event %d: %w", events[h.index].Sequence, err)
		}
	}
	return events, nil
}

// insertEvents takes the pending changes' sequences, then inserts their
// events.
func (tx *Tx) insertEvents(ctx context.Context) ([]*ent.TicketEvent, error) {
	n := len(tx.pending)
	last, err := store.TakeValues(ctx, tx.Tx, tx.p.Dialect, store.EventSequenceCounter, n)
	if err != nil {
		return nil, err
	}
	var events []*ent.TicketEvent
	if tx.shared != nil {
		// Under ShareRows the events are written by AppendShared, in
		// batches, at the end of the one transaction.
		events = make([]*ent.TicketEvent, n)
		for i, c := range tx.pending {
			events[i] = &ent.TicketEvent{
				ID:        gid.New(gid.TicketEvent),
				Sequence:  last - int64(n-1-i),
				Kind:      c.Kind,
				Changes:   c.Changes,
				CreatedAt: c.At,
				TicketID:  c.TicketID,
				ActorID:   c.ActorID,
				CommentID: c.CommentID,
			}
		}
		tx.shared.events = append(tx.shared.events, events...)
	} else if events, err = tx.createEvents(ctx, last); err != nil {
		return nil, err
	}
	return events, nil
}

// createEvents inserts the pending changes' events, the last one taking
// sequence last.
func (tx *Tx) createEvents(ctx context.Context, last int64) ([]*ent.TicketEvent, error) {
	n := len(tx.pending)
	creates := make([]*ent.TicketEventCreate, n)
	for i, c := range tx.pending {
		creates[i] = tx.TicketEvent.Create().
			SetSequence(last - int64(n-1-i)).
			SetKind(c.Kind).
			SetChanges(c.Changes).
			SetCreatedAt(c.At).
			SetTicketID(c.TicketID).
			SetNillableActorID(c.ActorID).
			SetNillableCommentID(c.CommentID)
	}
	events, err := tx.TicketEvent.CreateBulk(creates...).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("appending ticket events: %w", err)
	}
	return events, nil
}

// appendEventsSQL takes n sequences from the counter and inserts the
// events given as arrays with them, in one statement: one round trip
// while the counter's row is locked instead of two.
const appendEventsSQL = `WITH c AS (INSERT INTO counters (id, value) VALUES ($1, $2)
	ON CONFLICT (id) DO UPDATE SET value = counters.value + $2 RETURNING value)
INSERT INTO ticket_events (id, sequence, kind, changes, created_at, ticket_id, actor_id, comment_id)
SELECT e.id, c.value - $2 + e.ord, e.kind, e.changes::jsonb, e.created_at::timestamptz, e.ticket_id, e.actor_id, e.comment_id
FROM c, unnest($3::varchar[], $4::varchar[], $5::text[], $6::text[], $7::varchar[], $8::varchar[], $9::varchar[])
	WITH ORDINALITY AS e(id, kind, changes, created_at, ticket_id, actor_id, comment_id, ord)
RETURNING id, sequence`

// insertEventsPostgres is insertEvents in one statement (appendEventsSQL).
// The events it returns carry their fields but no client: their edges
// are read through a client, not through the event.
func (tx *Tx) insertEventsPostgres(ctx context.Context) ([]*ent.TicketEvent, error) {
	n := len(tx.pending)
	events := make([]*ent.TicketEvent, n)
	byID := make(map[gid.ID]*ent.TicketEvent, n)
	ids, kinds, changes, ats, tickets := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	actors, comments := make([]sql.NullString, n), make([]sql.NullString, n)
	for i, c := range tx.pending {
		if err := ticketevent.KindValidator(c.Kind); err != nil {
			return nil, fmt.Errorf("appending ticket events: %w", err)
		}
		text, err := json.Marshal(c.Changes)
		if err != nil {
			return nil, fmt.Errorf("appending ticket events: %w", err)
		}
		ev := &ent.TicketEvent{ID: ticketevent.DefaultID(), Kind: c.Kind, Changes: c.Changes, CreatedAt: c.At,
			TicketID: c.TicketID, ActorID: c.ActorID, CommentID: c.CommentID}
		events[i], byID[ev.ID] = ev, ev
		ids[i], kinds[i], changes[i], tickets[i] = string(ev.ID), string(c.Kind), string(text), string(c.TicketID)
		ats[i] = c.At.Format(time.RFC3339Nano)
		if c.ActorID != nil {
			actors[i] = sql.NullString{String: string(*c.ActorID), Valid: true}
		}
		if c.CommentID != nil {
			comments[i] = sql.NullString{String: string(*c.CommentID), Valid: true}
		}
	}
	rows, err := tx.QueryContext(ctx, appendEventsSQL, store.EventSequenceCounter, n, pq.Array(ids), pq.Array(kinds),
		pq.Array(changes), pq.Array(ats), pq.Array(tickets), pq.Array(actors), pq.Array(comments))
	if err != nil {
		return nil, fmt.Errorf("appending ticket events: %w", err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var id gid.ID
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return nil, fmt.Errorf("appending ticket events: %w", err)
		}
		if ev := byID[id]; ev != nil {
			ev.Sequence = seq
			found++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appending ticket events: %w", err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("appending ticket events: %w", err)
	}
	if found != n {
		return nil, fmt.Errorf("appending ticket events: %d of %d written", found, n)
	}
	return events, nil
}
