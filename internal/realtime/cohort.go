package realtime

import (
	"context"
	"sync"

	"helpdesk/ent"
)

// A cohort is the subscribers of one live queue: the same filter under
// the same read scope. They share one evaluation of each event (was its
// ticket in the queue, the event's content) and one count, so the cost of
// an event grows with the number of distinct queues, not of subscribers.
//
// Subscribers drain their buffers at different moments and in batches of
// different sizes, so outcomes are kept per sequence: whoever handles a
// sequence first evaluates it, the others reuse the outcome.
type cohort struct {
	key  string
	subs int // guarded by Feed.mu

	mu      sync.Mutex // held while evaluating
	seen    map[int64]outcome
	high    int64 // highest sequence evaluated
	count   int
	countAt int64 // the count holds for every sequence up to this one
	counted bool
}

// outcome is one event's evaluation for a queue.
type outcome struct {
	in bool // its ticket matched the queue when evaluated
	// event is its content, with its ticket, when the viewer may read it
	// (nil otherwise).
	event *ent.TicketEvent
}

// memoLimit is how many sequences a cohort remembers: a subscriber further
// behind than that evaluates for itself (it is close to being ended as
// lagging anyway).
func (f *Feed) memoLimit() int64 {
	return int64(max(f.Buffer, DefaultBuffer)) * 2
}

// join adds a subscriber to the cohort named key.
func (f *Feed) join(key string) *cohort {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cohorts == nil {
		f.cohorts = map[string]*cohort{}
	}
	c := f.cohorts[key]
	if c == nil {
		c = &cohort{key: key, seen: map[int64]outcome{}}
		f.cohorts[key] = c
	}
	c.subs++
	return c
}

// leave removes a subscriber; a cohort with none left is forgotten.
func (f *Feed) leave(c *cohort) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c.subs--
	if c.subs == 0 && f.cohorts[c.key] == c {
		delete(f.cohorts, c.key)
	}
}

// outcomes returns the outcome of every event of evs, evaluating with
// eval only the sequences no member of the cohort has evaluated yet.
func (c *cohort) outcomes(ctx context.Context, limit int64, evs []*ent.TicketEvent,
	eval func(context.Context, []*ent.TicketEvent) (map[int64]outcome, error)) (map[int64]outcome, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	res := make(map[int64]outcome, len(evs))
	var missing []*ent.TicketEvent
	for _, ev := range evs {
		if o, ok := c.seen[ev.Sequence]; ok {
			res[ev.Sequence] = o
		} else {
			missing = append(missing, ev)
		}
	}
	if len(missing) == 0 {
		return res, nil
	}
	got, err := eval(ctx, missing)
	if err != nil {
		return nil, err
	}
	for seq, o := range got {
		res[seq] = o
		c.seen[seq] = o
		c.high = max(c.high, seq)
	}
	if int64(len(c.seen)) > 2*limit {
		for seq := range c.seen {
			if seq <= c.high-limit {
				delete(c.seen, seq)
			}
		}
	}
	return res, nil
}

// total returns the queue's count as of sequence upTo or later, counting
// with count only when no member counted since.
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
	c.count, c.countAt, c.counted = n, max(upTo, c.high), true
	return n, nil
}
