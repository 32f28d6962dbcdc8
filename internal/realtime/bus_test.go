package realtime

import (
	"context"
	"errors"
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
