package realtime

import (
	"context"
	"fmt"
	"sync"

	"helpdesk/ent"
	"helpdesk/internal/gid"
)

// A cohort is the subscribers of one live queue: the same filter under
// the same read scope. It holds the queue's membership (the tickets in
// it, as of the sequence pos) and evaluates each event once for all its
// subscribers: was its ticket in the queue, is it now, the event's
// content. So the cost of an event, and the memory of the queue's
// membership, grow with the number of distinct queues, not of
// subscribers.
//
// The membership is read exactly (a snapshot) and every ticket that
// enters or leaves the queue has an event, so the queue's count is the
// membership's size: each outcome carries it as of its sequence (ENTERED
// +1, LEFT -1), and an event costs no count. A queue that may change
// without an event (Queue.Recount), or whose viewer's read scope changed
// since the snapshot, is counted instead, once per sequence for the
// cohort (total).
//
// Subscribers drain their buffers at different moments and in batches of
// different sizes, so outcomes are kept per sequence: whoever handles a
// sequence first evaluates it (and every sequence before it the cohort
// has not seen), the others reuse the outcome.
type cohort struct {
	key  string
	subs int // guarded by Feed.mu

	mu      sync.Mutex // held while evaluating
	started bool
	members *memberSet // the queue as of pos
	pos     int64
	memo    map[int64]outcome
	count   int
	countAt int64 // the count holds for every sequence up to this one
	counted bool
	// kept: the count is the membership's size (see above). scope names
	// the read scope the membership was read with (scopeOf: as it is now).
	kept    bool
	scope   string
	scopeOf func() string
}

// outcome is how one event changes a queue.
type outcome struct {
	// change is "" when the event is not delivered (its ticket neither
	// was nor is in the queue).
	change QueueChange
	// event is its content, with its ticket; nil on a LEFT when the
	// viewer may no longer read the ticket (the delivery is withheld).
	event *ent.TicketEvent
	// total is the queue's count right after the event (when the cohort
	// keeps it).
	total int
	// shared is what the cohort's deliveries of the event have in common
	// (nil when it is not delivered).
	shared *Shared
}

// evaluator decides, with a subscriber's rights, how events concern its
// queue, and reads the queue and the log.
type evaluator interface {
	judge(ctx context.Context, evs []*ent.TicketEvent) (map[int64]verdict, error)
	snapshot(ctx context.Context) (ids []gid.ID, at int64, err error)
	readAfter(ctx context.Context, after int64, limit int) ([]*ent.TicketEvent, error)
}

// verdict is how one event stands for a subscriber, as the event is
// handled: whether its ticket is in the queue now (it matches the filter
// and the viewer may read it), and the event's content when the viewer
// may read it (nil otherwise).
type verdict struct {
	in      bool
	content *ent.TicketEvent
}

// memoLimit is how many sequences a cohort remembers: a subscriber further
// behind than that is ended as lagging (its buffer would have overflowed
// first).
func (f *Feed) memoLimit() int64 {
	return int64(max(f.Buffer, DefaultBuffer)) * 2
}

// join adds a subscriber to the cohort named key; an empty key makes a
// cohort of one that no one else joins.
func (f *Feed) join(key string) *cohort {
	if key == "" {
		return &cohort{subs: 1}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cohorts == nil {
		f.cohorts = map[string]*cohort{}
	}
	c := f.cohorts[key]
	if c == nil {
		c = &cohort{key: key}
		f.cohorts[key] = c
	}
	c.subs++
	return c
}

// leave removes a subscriber; a cohort with none left is forgotten.
func (f *Feed) leave(c *cohort) {
	if c.key == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c.subs--
	if c.subs == 0 && f.cohorts[c.key] == c {
		delete(f.cohorts, c.key)
	}
}

// shared reports whether other subscribers may need the outcomes.
func (f *Feed) shared(c *cohort) bool {
	if c.key == "" {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return c.subs > 1
}

// start returns the sequence the cohort's membership holds at, taking
// the queue's snapshot first when it has none. A new subscriber's
// deliveries begin after it. keep says whether the queue's count can be
// kept from its membership (see cohort); scope names the viewer's read
// scope as it is now (nil: it does not change).
func (c *cohort) start(ctx context.Context, e evaluator, keep bool, scope func() string) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		c.kept, c.scopeOf = keep, scope
		if scope != nil {
			c.scope = scope()
		}
		ids, at, err := e.snapshot(ctx)
		if err != nil {
			return 0, err
		}
		c.members = newMemberSet(ids)
		c.pos, c.started = at, true
	}
	return c.pos, nil
}

// outcomes returns the outcome of every event of evs (in sequence order,
// all after the caller's start), evaluating the sequences the cohort has
// not seen yet, in order, reading from the log any it was not handed.
// Outcomes are remembered while other subscribers may ask for them; one
// the cohort no longer remembers ends the caller as lagging. kept reports
// whether the outcomes carry the queue's count.
func (c *cohort) outcomes(ctx context.Context, f *Feed, e evaluator, evs []*ent.TicketEvent) (res map[int64]outcome, kept bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kept && c.scopeOf != nil && c.scopeOf() != c.scope {
		// The viewer's scope changed: tickets entered or left the queue
		// without an event. The membership still labels the events of
		// tickets it holds; the queue is counted from now on.
		c.kept = false
	}
	var fresh []*ent.TicketEvent
	for _, ev := range evs {
		if ev.Sequence > c.pos {
			fresh = append(fresh, ev)
		}
	}
	var got map[int64]outcome
	if len(fresh) > 0 {
		// Checked under c.mu: a subscriber joining now starts after what
		// is evaluated here, so it never needs an outcome that was not
		// kept. (Asked only here: the feed's lock is every queue's.)
		keep := f.shared(c)
		for c.pos < fresh[0].Sequence-1 {
			gap, err := e.readAfter(ctx, c.pos, min(batchSize, int(fresh[0].Sequence-1-c.pos)))
			if err != nil {
				return nil, false, fmt.Errorf("reading the event log: %w", err)
			}
			if len(gap) == 0 {
				break
			}
			if _, err := c.advance(ctx, e, keep, gap); err != nil {
				return nil, false, err
			}
		}
		if got, err = c.advance(ctx, e, keep, fresh); err != nil {
			return nil, false, err
		}
	}
	res = make(map[int64]outcome, len(evs))
	for _, ev := range evs {
		o, ok := got[ev.Sequence]
		if !ok {
			if o, ok = c.memo[ev.Sequence]; !ok {
				return nil, false, ErrLagged
			}
		}
		res[ev.Sequence] = o
	}
	if limit := f.memoLimit(); int64(len(c.memo)) > 2*limit {
		for seq := range c.memo {
			if seq <= c.pos-limit {
				delete(c.memo, seq)
			}
		}
	}
	return res, c.kept, nil
}

// advance evaluates evs (the next sequences after pos, in order) against
// the membership, moves it and pos on, and remembers the outcomes when
// keep (other subscribers will ask for them).
func (c *cohort) advance(ctx context.Context, e evaluator, keep bool, evs []*ent.TicketEvent) (map[int64]outcome, error) {
	verdicts, err := e.judge(ctx, evs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]outcome, len(evs))
	for _, ev := range evs {
		had := c.members.has(ev.TicketID)
		body := verdicts[ev.Sequence].content
		// A ticket that matched but whose event is no longer readable
		// became invisible in between: it is not in the queue.
		now := verdicts[ev.Sequence].in && body != nil
		var o outcome
		switch {
		case now && had:
			o = outcome{change: QueueChanged, event: body}
		case now:
			o = outcome{change: QueueEntered, event: body}
			c.members.add(ev.TicketID)
		case had:
			o = outcome{change: QueueLeft, event: body}
			c.members.remove(ev.TicketID)
		}
		o.total = c.members.len()
		if o.change != "" {
			o.shared = &Shared{}
		}
		out[ev.Sequence] = o
		if keep {
			if c.memo == nil {
				c.memo = map[int64]outcome{}
			}
			c.memo[ev.Sequence] = o
		}
		c.pos = ev.Sequence
	}
	return out, nil
}

// total returns the queue's count as of sequence upTo or later, counting
// with count only when no subscriber counted since.
func (c *cohort) total(ctx context.Context, upTo int64, count func(context.Context) (int, error)) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counted && c.countAt >= upTo {
		return c.count, nil
	}
	n, err := count(ctx)
	if err != nil {
		return 0, err
	}
	// Every event evaluated so far was committed before this count.
	c.count, c.countAt, c.counted = n, max(upTo, c.pos), true
	return n, nil
}
