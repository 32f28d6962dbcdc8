package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"helpdesk/ent"
	"helpdesk/ent/predicate"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/gid"
)

// Feed turns the bus's events into one subscriber's deliveries. Every
// decision is taken with the subscriber's context, through the client's
// read scopes: a ticket is in the queue when the viewer may read it and
// it matches the filter, as of the moment the event is handled.
type Feed struct {
	// Client has the read scopes installed (authz.InstallScopes).
	Client *ent.Client
	Bus    Bus
	// Buffer is how many events a subscriber may fall behind before it
	// is ended with ErrLagged; zero means DefaultBuffer.
	Buffer int
	// Logger logs what ends a subscription unexpectedly.
	Logger *slog.Logger

	mu      sync.Mutex
	cohorts map[string]*cohort // live queues by Queue.Cohort
}

// DefaultBuffer is a subscriber's default buffer, in events.
const DefaultBuffer = 512

// batchSize bounds the events evaluated together (one query for their
// tickets, one for their content, one count).
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
	// and share one evaluation of each live event and one count. Empty:
	// the queue is evaluated for this subscriber alone.
	Cohort string
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
// subscribes to the bus before it reads the log, so that the replay and
// the live events meet with no gap; a sequence already delivered is never
// delivered again.
func (f *Feed) Run(ctx context.Context, q Queue, out chan<- *ent.TicketEvent) error {
	buffer := f.Buffer
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	sub := f.Bus.Subscribe(buffer)
	defer sub.Close()
	r := &runner{f: f, q: q, out: out, known: map[gid.ID]bool{}}
	if q.Cohort != "" && !q.Single {
		r.cohort = f.join(q.Cohort)
		defer f.leave(r.cohort)
	}
	ids, err := r.tickets(ctx, nil)
	if err != nil {
		return err
	}
	for _, id := range ids {
		r.known[id] = true
	}
	r.last = sub.From
	if q.After >= 0 {
		r.last = q.After
		r.replaying = true
		if err := r.fill(ctx, sub.From); err != nil {
			return err
		}
		r.replaying = false
	}
	for {
		var ev *ent.TicketEvent
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case ev, ok = <-sub.C:
		}
		if !ok {
			if ctx.Err() != nil {
				return nil
			}
			return &Resume{Err: sub.Err(), Last: r.sent}
		}
		batch := []*ent.TicketEvent{ev}
	drain:
		for len(batch) < batchSize {
			select {
			case ev, ok := <-sub.C:
				if !ok {
					break drain
				}
				batch = append(batch, ev)
			default:
				break drain
			}
		}
		// The bus delivers every sequence; a gap would only come from a
		// subscriber that started behind it, and is read from the log.
		if first := batch[0].Sequence; first > r.last+1 {
			if err := r.fill(ctx, first-1); err != nil {
				return err
			}
		}
		if err := r.handle(ctx, batch); err != nil {
			return err
		}
	}
}

// runner is one subscriber's state.
type runner struct {
	f         *Feed
	q         Queue
	out       chan<- *ent.TicketEvent
	cohort    *cohort         // shared evaluations; nil when not shared
	known     map[gid.ID]bool // tickets in the queue as the subscriber knows it
	last      int64           // highest sequence handled
	sent      int64           // highest sequence delivered
	replaying bool
}

// fill handles the events of the log after r.last up to and including
// until.
func (r *runner) fill(ctx context.Context, until int64) error {
	for r.last < until {
		evs, err := ReadAfter(ctx, r.f.Client, r.last, batchSize)
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

// tickets returns the ids, among ids (all when nil), of the tickets the
// viewer may read that match the queue's filter.
func (r *runner) tickets(ctx context.Context, ids []gid.ID) ([]gid.ID, error) {
	q := r.f.Client.Ticket.Query()
	if ids != nil {
		q.Where(ticket.IDIn(ids...))
	}
	if r.q.Match != nil {
		q.Where(r.q.Match)
	}
	out, err := q.IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluating the queue's filter: %w", err)
	}
	return out, nil
}

// handle evaluates a batch of events (in sequence order) for the
// subscriber and delivers what it may see.
func (r *runner) handle(ctx context.Context, batch []*ent.TicketEvent) error {
	var evs []*ent.TicketEvent
	seen := map[gid.ID]bool{}
	var ids []gid.ID
	for _, ev := range batch {
		if ev.Sequence <= r.last {
			continue
		}
		evs = append(evs, ev)
		if !seen[ev.TicketID] {
			seen[ev.TicketID] = true
			ids = append(ids, ev.TicketID)
		}
	}
	if len(evs) == 0 {
		return nil
	}
	var res map[int64]outcome
	var err error
	if r.cohort != nil && !r.replaying {
		res, err = r.cohort.outcomes(ctx, r.f.memoLimit(), evs, r.evaluate)
	} else {
		res, err = r.evaluate(ctx, evs)
	}
	if err != nil {
		return err
	}
	if r.replaying && r.q.Match != nil {
		// The client may have had, at its cursor, a ticket that left the
		// queue since: if the viewer can still read it, say it left.
		visible, err := r.f.Client.Ticket.Query().Where(ticket.IDIn(ids...)).IDs(ctx)
		if err != nil {
			return fmt.Errorf("reading the events' tickets: %w", err)
		}
		in := map[gid.ID]bool{}
		for _, ev := range evs {
			in[ev.TicketID] = in[ev.TicketID] || res[ev.Sequence].in
		}
		for _, id := range visible {
			if !in[id] && !r.known[id] {
				r.known[id] = true
			}
		}
	}
	var deliveries []*ent.TicketEvent
	for _, ev := range evs {
		o := res[ev.Sequence]
		var change QueueChange
		switch had := r.known[ev.TicketID]; {
		case o.in:
			if o.event == nil {
				continue
			}
			change = QueueChanged
			if !had {
				change = QueueEntered
				r.known[ev.TicketID] = true
			}
		case had:
			if r.q.Single {
				return apperr.Forbidden("this ticket is no longer visible to you")
			}
			change = QueueLeft
			delete(r.known, ev.TicketID)
		default:
			continue
		}
		if r.q.Single {
			deliveries = append(deliveries, o.event)
			continue
		}
		deliveries = append(deliveries, delivery(ev, o.event, change))
	}
	if len(deliveries) > 0 && !r.q.Single {
		var n int
		var err error
		if r.cohort != nil && !r.replaying {
			n, err = r.cohort.total(ctx, evs[len(evs)-1].Sequence, r.count)
		} else {
			n, err = r.count(ctx)
		}
		if err != nil {
			return err
		}
		for _, d := range deliveries {
			d.Delivery.TotalCount = n
		}
	}
	r.last = evs[len(evs)-1].Sequence
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

// evaluate decides, for each event of evs (in sequence order), whether
// its ticket is in the queue now, and reads the content of those the
// viewer may read, through the viewer's scope: an event the viewer may
// not read has no content and is delivered, if at all, withheld.
func (r *runner) evaluate(ctx context.Context, evs []*ent.TicketEvent) (map[int64]outcome, error) {
	seen := map[gid.ID]bool{}
	var ids []gid.ID
	for _, ev := range evs {
		if !seen[ev.TicketID] {
			seen[ev.TicketID] = true
			ids = append(ids, ev.TicketID)
		}
	}
	matching, err := r.tickets(ctx, ids)
	if err != nil {
		return nil, err
	}
	in := map[gid.ID]bool{}
	for _, id := range matching {
		in[id] = true
	}
	// The content of every event the viewer may read (a ticket that left
	// the queue but is still readable is delivered with its event), with
	// its ticket, which every delivery shows.
	evIDs := make([]gid.ID, 0, len(evs))
	for _, ev := range evs {
		evIDs = append(evIDs, ev.ID)
	}
	rows, err := r.f.Client.TicketEvent.Query().Where(ticketevent.IDIn(evIDs...)).WithTicket().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the events: %w", err)
	}
	content := make(map[gid.ID]*ent.TicketEvent, len(rows))
	for _, ev := range rows {
		content[ev.ID] = ev
	}
	out := make(map[int64]outcome, len(evs))
	for _, ev := range evs {
		out[ev.Sequence] = outcome{in: in[ev.TicketID], event: content[ev.ID]}
	}
	return out, nil
}

// count counts the queue: the tickets the viewer may read that match the
// filter.
func (r *runner) count(ctx context.Context) (int, error) {
	q := r.f.Client.Ticket.Query()
	if r.q.Match != nil {
		q.Where(r.q.Match)
	}
	n, err := q.Count(ctx)
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
