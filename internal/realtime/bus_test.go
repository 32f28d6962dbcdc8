package realtime

import (
	"context"
	"errors"
	"slices"
	"testing"

	"entgo.io/ent/dialect"

	"helpdesk/ent"
	"helpdesk/internal/testdb"
)

func batch(seqs ...int64) []*ent.TicketEvent {
	out := make([]*ent.TicketEvent, len(seqs))
	for i, s := range seqs {
		out[i] = &ent.TicketEvent{Sequence: s}
	}
	return out
}

func received(t *testing.T, s *Subscription) []int64 {
	t.Helper()
	var got []int64
	for {
		select {
		case ev, ok := <-s.C:
			if !ok {
				return got
			}
			got = append(got, ev.Sequence)
		default:
			return got
		}
	}
}

func TestLocalBusDeliversInOrderOnceAndNeverBlocks(t *testing.T) {
	db := testdb.Open(t, dialect.SQLite)
	bus, err := NewLocal(context.Background(), db.Client)
	if err != nil {
		t.Fatal(err)
	}
	a := bus.Subscribe(10)
	b := bus.Subscribe(2)
	if a.From != 0 {
		t.Fatalf("From on an empty log = %d", a.From)
	}
	bus.Publish(context.Background(), batch(1, 2))
	bus.Publish(context.Background(), batch(2, 3)) // 2 again: delivered once
	if got := received(t, a); len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("a received %v, want [1 2 3]", got)
	}
	// b had room for 2: it was ended, not waited for.
	if got := received(t, b); len(got) != 2 || !errors.Is(b.Err(), ErrLagged) {
		t.Fatalf("b received %v and ended with %v, want [1 2] and ErrLagged", got, b.Err())
	}
	c := bus.Subscribe(10)
	if c.From != 3 {
		t.Fatalf("a new subscriber starts after %d, want 3", c.From)
	}
	bus.Close()
	if _, ok := <-c.C; ok || !errors.Is(c.Err(), ErrClosed) {
		t.Fatalf("after Close: open %v, err %v", ok, c.Err())
	}
}

// TestQueuedSubscriptionsHoldOnlyWhatTheyReceived checks the subscriptions
// live queues use: the same order, once, never waited for, ended when
// more than their limit waits; and an idle one holds no buffer.
func TestQueuedSubscriptionsHoldOnlyWhatTheyReceived(t *testing.T) {
	db := testdb.Open(t, dialect.SQLite)
	bus, err := NewLocal(context.Background(), db.Client)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := bus.SubscribeQueued(10)
	b := bus.SubscribeQueued(2)
	if a.queue != nil {
		t.Fatal("a new subscription holds a buffer")
	}
	bus.Publish(ctx, batch(1, 2))
	bus.Publish(ctx, batch(2, 3)) // 2 again: delivered once
	seqs := func(evs []*ent.TicketEvent) (out []int64) {
		for _, ev := range evs {
			out = append(out, ev.Sequence)
		}
		return out
	}
	if got, open := a.Next(ctx, 2); !open || !slices.Equal(seqs(got), []int64{1, 2}) {
		t.Fatalf("a's first 2: %v (open %v), want [1 2]", seqs(got), open)
	}
	if got, open := a.Next(ctx, 10); !open || !slices.Equal(seqs(got), []int64{3}) {
		t.Fatalf("a's next: %v (open %v), want [3]", seqs(got), open)
	}
	if a.queue != nil {
		t.Fatal("a subscription that was drained still holds a buffer")
	}
	// b had room for 2: it was ended, not waited for; what it received
	// is still taken.
	if got, open := b.Next(ctx, 10); !open || !slices.Equal(seqs(got), []int64{1, 2}) {
		t.Fatalf("b received %v (open %v), want [1 2]", seqs(got), open)
	}
	if _, open := b.Next(ctx, 10); open || !errors.Is(b.Err(), ErrLagged) {
		t.Fatalf("b: open %v, err %v; want ended with ErrLagged", open, b.Err())
	}
	// Waiting gives up with the context.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if got, open := a.Next(done, 10); got != nil || !open {
		t.Fatalf("waiting with an ended context: %v, %v", got, open)
	}
	c := bus.SubscribeQueued(10)
	if c.From != 3 {
		t.Fatalf("a new subscriber starts after %d, want 3", c.From)
	}
	bus.Close()
	if _, open := c.Next(ctx, 10); open || !errors.Is(c.Err(), ErrClosed) {
		t.Fatalf("after Close: open %v, err %v", open, c.Err())
	}
}
