package notify

import (
	"context"
	"fmt"
	"sync"

	"helpdesk/ent"
	"helpdesk/ent/notification"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
	"helpdesk/internal/realtime"
)

// watchBuffer is how many ticket events the process's notification
// reader may fall behind the event stream before every subscription ends
// (and is resumed by its client), and how many notifications one
// subscriber may leave unread before its own subscription ends.
const watchBuffer = 256

// Watch delivers on out the viewer's notifications written after it
// starts, until ctx ends (nil) or the event stream does (an error). All
// the process's subscribers share one reader of the committed ticket
// events of the bus — which, on PostgreSQL, carries the commits of every
// replica — that reads, once per batch of events and for every subscribed
// recipient at once, the notifications written with those events: a
// notification is committed with its event, so it is there when the
// event arrives.
func (s *Service) Watch(ctx context.Context, bus realtime.Bus, out chan<- *ent.Notification) error {
	v, err := viewerAgent(ctx)
	if err != nil {
		return err
	}
	f := s.fanoutOf(bus)
	w := f.add(v.AgentID)
	defer f.remove(w)
	for {
		select {
		case <-ctx.Done():
			return nil
		case n, ok := <-w.ch:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return w.err
			}
			select {
			case out <- n:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// fanoutOf returns the service's shared reader of bus.
func (s *Service) fanoutOf(bus realtime.Bus) *fanout {
	s.fanoutMu.Lock()
	defer s.fanoutMu.Unlock()
	if s.fanout == nil || s.fanout.bus != bus {
		s.fanout = &fanout{client: s.Client, bus: bus, watchers: map[gid.ID]map[*watcher]struct{}{}}
	}
	return s.fanout
}

// fanout is one process's reader of new notifications for all its
// notificationAdded subscribers. It follows the bus while anybody
// watches and stops when the last watcher leaves or the stream ends.
type fanout struct {
	client *ent.Client
	bus    realtime.Bus

	mu       sync.Mutex
	watchers map[gid.ID]map[*watcher]struct{}
	sub      *realtime.Subscription // nil when not following
}

// watcher is one subscription: its notifications, and why it ended once
// ch is closed.
type watcher struct {
	recipient gid.ID
	ch        chan *ent.Notification
	err       error
}

// add registers a watcher of recipient's notifications, following the
// bus from now on if nobody did.
func (f *fanout) add(recipient gid.ID) *watcher {
	w := &watcher{recipient: recipient, ch: make(chan *ent.Notification, watchBuffer)}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.watchers[recipient] == nil {
		f.watchers[recipient] = map[*watcher]struct{}{}
	}
	f.watchers[recipient][w] = struct{}{}
	if f.sub == nil {
		f.sub = f.bus.Subscribe(watchBuffer)
		go f.follow(f.sub)
	}
	return w
}

// remove unregisters w; the last watcher to leave stops the reader.
func (f *fanout) remove(w *watcher) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ws := f.watchers[w.recipient]; ws != nil {
		delete(ws, w)
		if len(ws) == 0 {
			delete(f.watchers, w.recipient)
		}
	}
	if len(f.watchers) == 0 && f.sub != nil {
		f.sub.Close()
		f.sub = nil
	}
}

// follow reads the events of sub in batches until it ends: a stream that
// ends or a read that fails ends every watcher with the reason.
func (f *fanout) follow(sub *realtime.Subscription) {
	ctx := auth.WithViewer(context.Background(), auth.System)
	for {
		ev, ok := <-sub.C
		if !ok {
			f.endAll(sub, &realtime.Resume{Err: sub.Err()})
			return
		}
		seqs := []int64{ev.Sequence}
	drain:
		for len(seqs) < watchBuffer {
			select {
			case ev, ok := <-sub.C:
				if !ok {
					break drain
				}
				seqs = append(seqs, ev.Sequence)
			default:
				break drain
			}
		}
		recipients := f.recipients(sub)
		if len(recipients) == 0 {
			continue
		}
		ns, err := f.client.Notification.Query().
			Where(notification.RecipientIDIn(recipients...), notification.SequenceIn(seqs...)).
			Order(ent.Asc(notification.FieldSequence), ent.Asc(notification.FieldID)).
			All(ctx)
		if err != nil {
			f.endAll(sub, fmt.Errorf("reading new notifications: %w", err))
			return
		}
		f.deliver(sub, ns)
	}
}

// recipients lists who watches, while sub is still the one followed.
func (f *fanout) recipients(sub *realtime.Subscription) []gid.ID {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sub != sub {
		return nil
	}
	ids := make([]gid.ID, 0, len(f.watchers))
	for id := range f.watchers {
		ids = append(ids, id)
	}
	return ids
}

// deliver hands each notification to its recipient's watchers without
// waiting: a watcher whose buffer is full ends, to be resumed.
func (f *fanout) deliver(sub *realtime.Subscription, ns []*ent.Notification) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sub != sub {
		return
	}
	for _, n := range ns {
		for w := range f.watchers[n.RecipientID] {
			select {
			case w.ch <- n:
			default:
				w.err = &realtime.Resume{Err: realtime.ErrLagged}
				close(w.ch)
				delete(f.watchers[n.RecipientID], w)
			}
		}
		if len(f.watchers[n.RecipientID]) == 0 {
			delete(f.watchers, n.RecipientID)
		}
	}
}

// endAll ends every watcher of the stream sub with err; the next watcher
// follows the bus anew.
func (f *fanout) endAll(sub *realtime.Subscription, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sub != sub {
		return
	}
	for _, ws := range f.watchers {
		for w := range ws {
			w.err = err
			close(w.ch)
		}
	}
	f.watchers = map[gid.ID]map[*watcher]struct{}{}
	f.sub.Close()
	f.sub = nil
}
