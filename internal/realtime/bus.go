// Package realtime fans committed ticket events out to live subscribers
// and decides, per subscriber, which of them it may receive.
//
// The event log (ticket_events, with its gap-free sequence) is the source
// of truth: a Bus hands this process's subscribers every committed event
// once, in sequence order; a subscriber that missed some (it came late,
// it fell behind, its socket dropped) reads them back from the log.
package realtime

import (
	"context"
	"errors"
	"sync"

	"helpdesk/ent"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/events"
)

// Bus delivers committed ticket events to this process's subscribers. It
// is the change pipeline's Publisher. Implementations: an in-process bus
// (NewLocal) and PostgreSQL LISTEN/NOTIFY over the log (NewPostgres); a
// broker backend would be a third.
type Bus interface {
	events.Publisher
	// Subscribe registers a subscriber with room for buffer events.
	Subscribe(buffer int) *Subscription
	// Start begins delivering; Close stops and ends every subscription
	// with ErrClosed.
	Start(ctx context.Context) error
	Close()
}

// Errors a subscription ends with.
var (
	// ErrLagged ends a subscription whose buffer overflowed: the
	// publisher never waits for a subscriber.
	ErrLagged = errors.New("subscriber fell behind the event stream")
	// ErrClosed ends the subscriptions of a bus that stopped.
	ErrClosed = errors.New("event stream closed")
)

// Subscription receives, on C, every event committed after From, in
// sequence order. C is closed when the subscription ends; Err then says
// why.
type Subscription struct {
	C <-chan *ent.TicketEvent
	// From is the sequence of the last event committed before the
	// subscription began.
	From int64

	ch  chan *ent.TicketEvent
	hub *hub
	err error // set before ch is closed (or ended is set)

	// A queued subscription (SubscribeQueued) has no channel: its events
	// wait in queue (at most limit), which holds memory only while it
	// holds events, and ready is signalled when some arrive or it ends.
	ready chan struct{}
	mu    sync.Mutex
	queue []*ent.TicketEvent
	limit int
	ended bool
}

// Err returns why the subscription ended (after C is closed, or Next
// reported it ended).
func (s *Subscription) Err() error {
	if s.ready != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	return s.err
}

// Close ends the subscription.
func (s *Subscription) Close() { s.hub.remove(s, nil) }

// hub is the fan-out both buses share: it keeps the subscribers and the
// highest sequence delivered, so each event goes out once and in order.
type hub struct {
	mu     sync.Mutex
	last   int64
	subs   map[*Subscription]struct{}
	closed bool
}

func newHub() *hub { return &hub{subs: map[*Subscription]struct{}{}} }

// SubscribeQueued registers a subscriber with room for limit events
// whose buffer takes memory only for the events it holds: an idle
// subscriber holds none. It has no C: its events are taken with Next.
func (h *hub) SubscribeQueued(limit int) *Subscription {
	s := &Subscription{ready: make(chan struct{}, 1), limit: max(limit, 1), hub: h}
	h.mu.Lock()
	defer h.mu.Unlock()
	s.From = h.last
	if h.closed {
		s.end(ErrClosed)
		return s
	}
	h.subs[s] = struct{}{}
	return s
}

// queued is a bus whose subscribers may be queued (SubscribeQueued).
type queued interface {
	SubscribeQueued(limit int) *Subscription
}

// Next waits for the next events of the subscription, up to most of
// them, until ctx ends (nil, true). open is false once the subscription
// has ended and every event it received has been taken (Err says why).
func (s *Subscription) Next(ctx context.Context, most int) (evs []*ent.TicketEvent, open bool) {
	if s.ready == nil {
		select {
		case <-ctx.Done():
			return nil, true
		case ev, ok := <-s.C:
			if !ok {
				return nil, false
			}
			evs = append(evs, ev)
		}
		for len(evs) < most {
			select {
			case ev, ok := <-s.C:
				if !ok {
					return evs, true
				}
				evs = append(evs, ev)
			default:
				return evs, true
			}
		}
		return evs, true
	}
	for {
		s.mu.Lock()
		if n := len(s.queue); n > 0 {
			if n <= most {
				evs, s.queue = s.queue, nil
			} else {
				evs = append([]*ent.TicketEvent(nil), s.queue[:most]...)
				s.queue = append(s.queue[:0], s.queue[most:]...)
			}
			s.mu.Unlock()
			return evs, true
		}
		ended := s.ended
		s.mu.Unlock()
		if ended {
			return nil, false
		}
		select {
		case <-ctx.Done():
			return nil, true
		case <-s.ready:
		}
	}
}

// offer queues ev on a queued subscription; false when it is full.
func (s *Subscription) offer(ev *ent.TicketEvent) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) >= s.limit {
		return false
	}
	s.queue = append(s.queue, ev)
	select {
	case s.ready <- struct{}{}:
	default:
	}
	return true
}

// end ends a subscription with err.
func (s *Subscription) end(err error) {
	if s.ready == nil {
		s.err = err
		close(s.ch)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err, s.ended = err, true
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Subscribe implements Bus.
func (h *hub) Subscribe(buffer int) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	ch := make(chan *ent.TicketEvent, buffer)
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &Subscription{C: ch, ch: ch, hub: h, From: h.last}
	if h.closed {
		s.err = ErrClosed
		close(ch)
		return s
	}
	h.subs[s] = struct{}{}
	return s
}

// deliver hands events (in sequence order) to every subscriber, skipping
// those delivered already. It never blocks: a full subscriber is ended
// with ErrLagged.
func (h *hub) deliver(evs []*ent.TicketEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range evs {
		if ev.Sequence <= h.last {
			continue
		}
		h.last = ev.Sequence
		for s := range h.subs {
			if s.ready != nil {
				if !s.offer(ev) {
					h.removeLocked(s, ErrLagged)
				}
				continue
			}
			select {
			case s.ch <- ev:
			default:
				h.removeLocked(s, ErrLagged)
			}
		}
	}
}

// position returns the highest sequence delivered.
func (h *hub) position() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// advanceTo moves the position forward to seq without delivering (the
// events before a bus starts are history, read from the log).
func (h *hub) advanceTo(seq int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if seq > h.last {
		h.last = seq
	}
}

func (h *hub) remove(s *Subscription, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(s, err)
}

func (h *hub) removeLocked(s *Subscription, err error) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	s.end(err)
}

// closeAll ends every subscription with ErrClosed and refuses new ones.
func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		h.removeLocked(s, ErrClosed)
	}
}

// systemContext reads the log as the system: the log reader sees every
// event; what each subscriber may see is decided per subscriber.
func systemContext(ctx context.Context) context.Context {
	return auth.WithViewer(ctx, auth.System)
}

// LastSequence returns the sequence of the newest event in the log, or 0.
func LastSequence(ctx context.Context, client *ent.Client) (int64, error) {
	ev, err := client.TicketEvent.Query().Order(ent.Desc(ticketevent.FieldSequence)).First(systemContext(ctx))
	if ent.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return ev.Sequence, nil
}

// ReadAfter returns up to limit events of the log with a sequence above
// after, in sequence order.
func ReadAfter(ctx context.Context, client *ent.Client, after int64, limit int) ([]*ent.TicketEvent, error) {
	return client.TicketEvent.Query().
		Where(ticketevent.SequenceGT(after)).
		Order(ent.Asc(ticketevent.FieldSequence)).
		Limit(limit).
		All(systemContext(ctx))
}
