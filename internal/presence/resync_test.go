package presence

import (
	"context"
	"sync"
	"testing"
	"time"
)

// memBus connects hubs in one process the way NOTIFY connects processes:
// an update reaches every other hub that is listening, and one that is
// not listening misses it for good.
type memBus struct {
	mu      sync.Mutex
	members []*memBroadcaster
}

type memBroadcaster struct {
	bus     *memBus
	receive func(Update)
	deaf    bool
}

func (b *memBus) join() *memBroadcaster {
	m := &memBroadcaster{bus: b}
	b.mu.Lock()
	b.members = append(b.members, m)
	b.mu.Unlock()
	return m
}

func (m *memBroadcaster) Start(_ context.Context, receive func(Update)) error {
	m.bus.mu.Lock()
	m.receive = receive
	m.bus.mu.Unlock()
	return nil
}

func (m *memBroadcaster) Send(u Update) {
	m.bus.mu.Lock()
	var to []func(Update)
	for _, o := range m.bus.members {
		if o != m && !o.deaf && o.receive != nil {
			to = append(to, o.receive)
		}
	}
	m.bus.mu.Unlock()
	for _, r := range to {
		r(u)
	}
}

func (m *memBroadcaster) setDeaf(deaf bool) {
	m.bus.mu.Lock()
	m.deaf = deaf
	m.bus.mu.Unlock()
}

func (m *memBroadcaster) Close() {}

func startHub(t *testing.T, b *memBroadcaster) *Hub {
	t.Helper()
	h := NewHub()
	h.Broadcaster, h.ResyncGrace = b, 50*time.Millisecond
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestHubRecoversUpdatesMissedWhileNotListening: a process whose listener
// broke misses the updates sent meanwhile; after it reconnects it has
// the entries set meanwhile and loses those that left meanwhile, and a
// process that starts later learns the entries already there.
func TestHubRecoversUpdatesMissedWhileNotListening(t *testing.T) {
	bus := &memBus{}
	a, bb := bus.join(), bus.join()
	hubA, hubB := startHub(t, a), startHub(t, bb)

	hubA.Set("T1", "A1", StateViewing, nil)
	if got := states(hubB.List("T1")); got["A1"] != StateViewing {
		t.Fatalf("control: B sees %v", got)
	}

	bb.setDeaf(true)
	hubA.Set("T1", "A2", StateTyping, nil)
	hubA.Set("T1", "A1", StateLeft, nil)
	if got := states(hubB.List("T1")); len(got) != 1 || got["A1"] != StateViewing {
		t.Fatalf("control: B heard updates while deaf: %v", got)
	}

	bb.setDeaf(false)
	bb.receive(Update{Reconnected: true})
	if got := states(hubB.List("T1")); got["A2"] != StateTyping {
		t.Fatalf("after reconnecting B does not have the entry set meanwhile: %v", got)
	}
	waitFor(t, "B to drop the entry that left meanwhile", func() bool {
		got := states(hubB.List("T1"))
		return len(got) == 1 && got["A2"] == StateTyping
	})
	// B's own entries survive a reconnect of B.
	hubB.Set("T2", "B1", StateViewing, nil)
	bb.receive(Update{Reconnected: true})
	time.Sleep(100 * time.Millisecond)
	if got := states(hubB.List("T2")); got["B1"] != StateViewing {
		t.Fatalf("B dropped its own entry after a reconnect: %v", got)
	}

	hubC := startHub(t, bus.join())
	if got := states(hubC.List("T1")); len(got) != 1 || got["A2"] != StateTyping {
		t.Fatalf("a process started later sees %v on T1", got)
	}
	if got := states(hubC.List("T2")); got["B1"] != StateViewing {
		t.Fatalf("a process started later sees %v on T2", got)
	}
}

// TestHubRecoversWhenEveryListenerBroke: both processes stopped
// receiving at once and the one that resumes first asks for entries while
// the other is still deaf; the entries still arrive once both listen.
func TestHubRecoversWhenEveryListenerBroke(t *testing.T) {
	bus := &memBus{}
	a, bb := bus.join(), bus.join()
	hubA, hubB := startHub(t, a), startHub(t, bb)

	a.setDeaf(true)
	bb.setDeaf(true)
	hubA.Set("T1", "A1", StateViewing, nil)

	bb.setDeaf(false)
	bb.receive(Update{Reconnected: true}) // A is still deaf to B's request
	a.setDeaf(false)
	a.receive(Update{Reconnected: true})
	if got := states(hubB.List("T1")); got["A1"] != StateViewing {
		t.Fatalf("after both reconnected B sees %v", got)
	}
}
