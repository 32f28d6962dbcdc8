package realtime

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"entgo.io/ent/dialect"

	"helpdesk/ent"
	"helpdesk/ent/predicate"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
)

// Feed turns the bus's events into one subscriber's deliveries. A ticket
// is in the queue when the viewer may read it and it matches the filter,
// as of the moment the event is handled: live events are read once for
// every queue of the process, each distinct filter is evaluated once for
// all its viewers, and each viewer's read scope is decided in memory by
// the same policy (Queue.Reads, see evaluations); the queue's snapshot,
// counts and replays are read through the client's read scopes.
type Feed struct {
	// Client has the read scopes installed (authz.InstallScopes).
	Client *ent.Client
	// Dialect is the database's (dialect.Postgres or dialect.SQLite).
	Dialect string
	Bus     Bus
	// Buffer is how many events a subscriber may fall behind before it
	// is ended with ErrLagged; zero means DefaultBuffer.
	Buffer int
	// Logger logs what ends a subscription unexpectedly.
	Logger *slog.Logger

	// Readers bounds the queue reads (snapshots and counts) running at
	// once, so that many subscriptions starting together queue for a few
	// of the database's connections instead of taking them all; zero
	// means DefaultReaders.
	Readers int

	mu      sync.Mutex
	cohorts map[string]*cohort // live queues by Queue.Cohort
	// evals reads each event once for every queue (see evaluations).
	evals evaluations
	// subscribers numbers the subscribers whose filter is their own.
	subscribers atomic.Int64

	readersOnce sync.Once
	readers     chan struct{}
}

// DefaultBuffer is a subscriber's default buffer, in events.
const DefaultBuffer = 512

// DefaultReaders is the default bound on concurrent queue reads: a small
// part of the database pool (store: 40 connections on PostgreSQL).
const DefaultReaders = 8

// read runs fn, a read of a whole queue, when fewer than Readers others
// run.
func (f *Feed) read(ctx context.Context, fn func() error) error {
	f.readersOnce.Do(func() {
		n := f.Readers
		if n <= 0 {
			n = DefaultReaders
		}
		f.readers = make(chan struct{}, n)
	})
	select {
	case f.readers <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-f.readers }()
	return fn()
}

// batchSize bounds the events evaluated together (one query for their
// tickets, one for their content; one count when the queue is counted).
const batchSize = 200

// Queue describes one live queue.
type Queue struct {
	// Match is the filter (nil: every ticket the viewer may read).
	Match predicate.Ticket
	// After replays the events after this sequence first; negative means
	// live events only.
	After int64
	// Single follows one ticket: deliveries end with FORBIDDEN when it
	// becomes invisible, and no count is taken.
	Single bool
	// Cohort names the queue for sharing: subscribers with the same
	// non-empty Cohort have the same filter under the same read scope,
	// and share the queue's membership, its count and one evaluation of
	// each event. Empty: the queue is this subscriber's alone.
	Cohort string
	// Recount: the queue may change without an event of one of its
	// tickets (its filter reads rows whose changes the log does not
	// record, such as a customer's name), so its count is taken again
	// for deliveries instead of kept from its membership.
	Recount bool
	// Scope names the viewer's read scope as it is now (nil: it cannot
	// change while the subscription lasts). When it no longer names the
	// scope the membership was read with, the count is taken again.
	Scope func() string
	// Reads decides in memory whether the viewer may read a ticket's
	// events from the ticket's facts: the same rule as the read scopes
	// the client applies (authz.Enforcer.CanReadTicketHistory). The
	// events are read once for every queue of the process and each
	// queue's filter once for all its viewers (see evaluations). Required.
	Reads func(*authz.TicketFacts) (bool, error)
	// Filter names Match for sharing its evaluation: queues with the same
	// non-empty Filter have the same Match, whoever their viewer. Empty:
	// Match is this subscriber's alone.
	Filter string
}

// Resume tells a client to subscribe again with `after`.
type Resume struct {
	Err error
	// Last is the sequence of the last delivery (0 when none).
	Last int64
}

func (r *Resume) Error() string { return r.Err.Error() }
func (r *Resume) Unwrap() error { return r.Err }

// SequenceOf returns the sequence of the event a cursor points at.
func SequenceOf(ctx context.Context, client *ent.Client, c *ent.Cursor) (int64, error) {
	if c == nil || !c.ID.Valid(gid.TicketEvent) {
		return 0, apperr.Invalid("after", "is not an event's cursor: use the cursor of a delivered event or of a ticket event list")
	}
	ev, err := client.TicketEvent.Query().Where(ticketevent.ID(c.ID)).Only(systemContext(ctx))
	if ent.IsNotFound(err) {
		return 0, apperr.Invalid("after", "names an event the log no longer holds: query the list again and subscribe without after")
	}
	if err != nil {
		return 0, fmt.Errorf("reading the cursor's event: %w", err)
	}
	return ev.Sequence, nil
}

// Run delivers q's events on out until ctx ends (nil) or the stream does
// (a *Resume: the subscriber fell behind, or the server is stopping). It
// subscribes to the bus before it joins its queue's cohort, whose
// membership holds at a known sequence (a snapshot read in one
// transaction with the log's position): deliveries begin right after it,
// or after q.After, with the log filling any gap, so that the replay and
// the live events meet with no gap; a sequence already delivered is never
// delivered again.
func (f *Feed) Run(ctx context.Context, q Queue, out chan<- *ent.TicketEvent) error {
	if q.Reads == nil {
		return errors.New("realtime: a queue needs Reads to decide what its viewer may read")
	}
	buffer := f.Buffer
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	var sub *Subscription
	if qb, ok := f.Bus.(queued); ok {
		sub = qb.SubscribeQueued(buffer)
	} else {
		sub = f.Bus.Subscribe(buffer)
	}
	defer sub.Close()
	r := &runner{f: f, q: q, out: out}
	r.filter = q.Filter
	if r.filter == "" {
		// Never reused: the evaluations remembered under a name are
		// those of its filter.
		r.filter = fmt.Sprintf("subscriber:%d", f.subscribers.Add(1))
	}
	f.evals.follow(r.filter, q.Match)
	defer f.evals.unfollow(r.filter)
	key := q.Cohort
	if q.Single {
		key = ""
	}
	r.cohort = f.join(key)
	defer f.leave(r.cohort)
	start, err := r.cohort.start(ctx, r, !q.Single && !q.Recount, q.Scope)
	if err != nil {
		return err
	}
	r.last = start
	if q.After >= 0 {
		r.last = q.After
		if q.After < start {
			if err := r.replay(ctx, start); err != nil {
				return r.ended(err)
			}
		}
	}
	// Events the bus delivered before this subscription began.
	if err := r.fill(ctx, sub.From); err != nil {
		return r.ended(err)
	}
	for {
		batch, open := sub.Next(ctx, batchSize)
		if ctx.Err() != nil {
			return nil
		}
		if !open {
			return &Resume{Err: sub.Err(), Last: r.sent}
		}
		if err := r.handle(ctx, batch); err != nil {
			return r.ended(err)
		}
	}
}

// runner is one subscriber's state.
type runner struct {
	f      *Feed
	q      Queue
	out    chan<- *ent.TicketEvent
	cohort *cohort // the queue's membership and shared evaluations
	last   int64   // highest sequence handled
	sent   int64   // highest sequence delivered
	filter string  // the name q.Match is evaluated under (with q.Reads)
}

// ended turns a lagging cohort into a resume.
func (r *runner) ended(err error) error {
	if errors.Is(err, ErrLagged) {
		return &Resume{Err: ErrLagged, Last: r.sent}
	}
	return err
}

// fill handles the events of the log after r.last up to and including
// until.
func (r *runner) fill(ctx context.Context, until int64) error {
	for r.last < until {
		evs, err := ReadAfter(ctx, r.f.Client, r.last, min(batchSize, int(until-r.last)))
		if err != nil {
			return fmt.Errorf("reading the event log: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		if err := r.handle(ctx, evs); err != nil {
			return err
		}
	}
	return nil
}

// handle delivers what the cohort's evaluation of a batch of events (in
// sequence order) says the subscriber receives.
func (r *runner) handle(ctx context.Context, batch []*ent.TicketEvent) error {
	var evs []*ent.TicketEvent
	for _, ev := range batch {
		if ev.Sequence > r.last {
			evs = append(evs, ev)
		}
	}
	if len(evs) == 0 {
		return nil
	}
	// The bus delivers every sequence; a gap would only come from a
	// subscriber that started behind it, and is read from the log.
	if first := evs[0].Sequence; first > r.last+1 {
		if err := r.fill(ctx, first-1); err != nil {
			return err
		}
	}
	res, kept, err := r.cohort.outcomes(ctx, r.f, r, evs)
	if err != nil {
		return err
	}
	deliveries := make([]*ent.TicketEvent, 0, len(evs))
	for _, ev := range evs {
		o := res[ev.Sequence]
		d, err := r.delivery(ev, o)
		if err != nil {
			return err
		}
		if d != nil {
			if kept && d.Delivery != nil {
				d.Delivery.TotalCount = o.total
			}
			deliveries = append(deliveries, d)
		}
	}
	return r.send(ctx, evs[len(evs)-1].Sequence, deliveries, kept)
}

// delivery is what the subscriber receives of ev (nil: nothing).
func (r *runner) delivery(ev *ent.TicketEvent, o outcome) (*ent.TicketEvent, error) {
	switch {
	case o.change == "":
		return nil, nil
	case r.q.Single && o.change == QueueLeft:
		return nil, apperr.Forbidden("this ticket is no longer visible to you")
	case r.q.Single:
		return o.event, nil
	}
	d := delivery(ev, o.event, o.change)
	if o.shared != nil {
		d.Delivery.Shared = o.shared
	}
	return d, nil
}

// send gives the deliveries the queue's count, unless counted (they
// carry the count the cohort keeps), and hands them to the subscriber;
// upTo is the last sequence handled.
func (r *runner) send(ctx context.Context, upTo int64, deliveries []*ent.TicketEvent, counted bool) error {
	if len(deliveries) > 0 && !r.q.Single && !counted {
		n, err := r.cohort.total(ctx, upTo, r.count)
		if err != nil {
			return err
		}
		for _, d := range deliveries {
			d.Delivery.TotalCount = n
		}
	}
	r.last = upTo
	for _, d := range deliveries {
		select {
		case r.out <- d:
			r.sent = d.Sequence
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// replay delivers the events of the log after r.last up to and including
// until (the cohort's position, where live deliveries begin), for a
// subscriber resuming after a cursor. A ticket's first replayed event is
// labelled from whether it was in the queue at the cursor (inQueueAt):
// one that entered meanwhile is ENTERED, one that left, also by becoming
// invisible to the viewer, is LEFT once (withheld when the viewer may no
// longer read it), and one the client could not have had and does not
// have now is not delivered.
func (r *runner) replay(ctx context.Context, until int64) error {
	cursor := r.last
	had := map[gid.ID]bool{}
	for r.last < until {
		evs, err := ReadAfter(ctx, r.f.Client, r.last, min(batchSize, int(until-r.last)))
		if err != nil {
			return fmt.Errorf("reading the event log: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		var ids, fresh, evIDs []gid.ID
		asked := map[gid.ID]bool{}
		for _, ev := range evs {
			ids = append(ids, ev.TicketID)
			evIDs = append(evIDs, ev.ID)
			if _, ok := had[ev.TicketID]; !ok && !asked[ev.TicketID] {
				asked[ev.TicketID] = true
				fresh = append(fresh, ev.TicketID)
			}
		}
		in, err := r.matching(ctx, ids)
		if err != nil {
			return err
		}
		then, err := r.inQueueAt(ctx, cursor, fresh)
		if err != nil {
			return err
		}
		content, err := r.contents(ctx, evIDs)
		if err != nil {
			return err
		}
		var deliveries []*ent.TicketEvent
		for _, ev := range evs {
			body := content[ev.ID]
			was, ok := had[ev.TicketID]
			if !ok {
				was = then[ev.TicketID]
			}
			now := in[ev.TicketID] && body != nil
			had[ev.TicketID] = now
			var o outcome
			switch {
			case now && was:
				o = outcome{change: QueueChanged, event: body}
			case now:
				o = outcome{change: QueueEntered, event: body}
			case was:
				o = outcome{change: QueueLeft, event: body}
			}
			d, err := r.delivery(ev, o)
			if err != nil {
				return err
			}
			if d != nil {
				deliveries = append(deliveries, d)
			}
		}
		// Replayed deliveries are labelled from the log, not from the
		// membership: the queue is counted.
		if err := r.send(ctx, evs[len(evs)-1].Sequence, deliveries, false); err != nil {
			return err
		}
	}
	return nil
}

// judge decides how evs concern the subscriber's queue (the cohort's
// evaluator): from the process's shared evaluation and the viewer's
// rights decided in memory (q.Reads).
func (r *runner) judge(ctx context.Context, evs []*ent.TicketEvent) (map[int64]verdict, error) {
	out := make(map[int64]verdict, len(evs))
	judged, err := r.f.evals.judge(ctx, r.f, r.filter, r.q.Match, evs, r.f.memoLimit())
	if err != nil {
		return nil, err
	}
	reads := map[*authz.TicketFacts]bool{}
	for _, ev := range evs {
		j := judged[ev.Sequence]
		if j.content == nil {
			continue
		}
		ok, seen := reads[j.facts]
		if !seen {
			if ok, err = r.q.Reads(j.facts); err != nil {
				return nil, fmt.Errorf("deciding who may read the event: %w", err)
			}
			reads[j.facts] = ok
		}
		if ok {
			out[ev.Sequence] = verdict{in: j.matches, content: j.content}
		}
	}
	return out, nil
}

// matching returns which of the tickets ids the viewer may read and match
// the queue's filter, through the viewer's read scopes.
func (r *runner) matching(ctx context.Context, ids []gid.ID) (map[gid.ID]bool, error) {
	q := r.f.Client.Ticket.Query().Where(ticket.IDIn(ids...))
	if r.q.Match != nil {
		q.Where(r.q.Match)
	}
	found, err := q.IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluating the queue's filter: %w", err)
	}
	in := make(map[gid.ID]bool, len(found))
	for _, id := range found {
		in[id] = true
	}
	return in, nil
}

// contents reads the events evIDs the viewer may read, with their ticket,
// which every delivery shows.
func (r *runner) contents(ctx context.Context, evIDs []gid.ID) (map[gid.ID]*ent.TicketEvent, error) {
	rows, err := r.f.Client.TicketEvent.Query().Where(ticketevent.IDIn(evIDs...)).WithTicket().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the events: %w", err)
	}
	content := make(map[gid.ID]*ent.TicketEvent, len(rows))
	for _, ev := range rows {
		content[ev.ID] = ev
	}
	return content, nil
}

// snapshot reads the queue (the tickets the viewer may read that match
// its filter) and the log's position in one consistent read: the queue is
// exactly what the events up to that position made it.
func (r *runner) snapshot(ctx context.Context) (ids []gid.ID, at int64, err error) {
	err = r.f.read(ctx, func() error {
		ids, at, err = r.snapshotNow(ctx)
		return err
	})
	return ids, at, err
}

func (r *runner) snapshotNow(ctx context.Context) ([]gid.ID, int64, error) {
	tx, err := r.readTx(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the queue: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	at, err := LastSequence(ctx, tx.Client())
	if err != nil {
		return nil, 0, fmt.Errorf("reading the event log's position: %w", err)
	}
	q := tx.Ticket.Query()
	if r.q.Match != nil {
		q.Where(r.q.Match)
	}
	ids, err := q.IDs(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("evaluating the queue's filter: %w", err)
	}
	return ids, at, tx.Commit()
}

// readTx begins a read-only transaction that reads one snapshot of the
// database.
func (r *runner) readTx(ctx context.Context) (*ent.Tx, error) {
	// On SQLite a transaction reads one snapshot; PostgreSQL's default
	// (read committed) takes one per statement.
	if r.f.Dialect == dialect.Postgres {
		return r.f.Client.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	return r.f.Client.Tx(ctx)
}

// readAfter reads the log (the cohort's evaluator).
func (r *runner) readAfter(ctx context.Context, after int64, limit int) ([]*ent.TicketEvent, error) {
	return ReadAfter(ctx, r.f.Client, after, limit)
}

// count counts the queue: the tickets the viewer may read that match the
// filter.
func (r *runner) count(ctx context.Context) (n int, err error) {
	q := r.f.Client.Ticket.Query()
	if r.q.Match != nil {
		q.Where(r.q.Match)
	}
	err = r.f.read(ctx, func() error {
		n, err = q.Count(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("counting the queue: %w", err)
	}
	return n, nil
}

// IsResume reports whether err asks the client to resume.
func IsResume(err error) (*Resume, bool) {
	var r *Resume
	ok := errors.As(err, &r)
	return r, ok
}

// delivery is one subscriber's delivery of ev: a copy of its content
// (which a cohort shares) saying how it changes the queue, or, when the
// subscriber may no longer read it (content nil: only a LEFT), the event
// withheld: its place in the log and its ticket's id, nothing else.
func delivery(ev, content *ent.TicketEvent, change QueueChange) *ent.TicketEvent {
	d := &ent.TicketEvent{ID: ev.ID, Sequence: ev.Sequence, TicketID: ev.TicketID}
	if content != nil {
		c := *content
		d = &c
	}
	d.Delivery = &ent.TicketEventDelivery{QueueChange: string(change), Withheld: content == nil}
	return d
}
