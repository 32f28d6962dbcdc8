package presence

import (
	"context"
	"testing"
	"time"

	"helpdesk/internal/gid"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func states(list []Entry) map[gid.ID]State {
	m := map[gid.ID]State{}
	for _, e := range list {
		m[e.AgentID] = e.State
	}
	return m
}

// TestHubKeepsTheNewestListForASlowWatcher checks that a watcher that
// does not read holds only the newest list and the hub never waits.
func TestHubKeepsTheNewestListForASlowWatcher(t *testing.T) {
	h := NewHub()
	defer h.Close()
	w := h.Watch("T1")
	for i := 0; i < 100; i++ {
		h.Set("T1", "A1", StateViewing, nil)
		h.Set("T1", "A1", StateTyping, nil)
	}
	h.Set("T1", "A2", StateViewing, nil)
	got := states(<-w.C)
	if len(got) != 2 || got["A1"] != StateTyping || got["A2"] != StateViewing {
		t.Fatalf("newest list: %v", got)
	}
	select {
	case l := <-w.C:
		t.Fatalf("a second list %v is pending", l)
	default:
	}
}

// TestHubExpiresAndRefreshes removes entries not refreshed in time and
// keeps Since across refreshes of one state.
func TestHubExpiresAndRefreshes(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	h := NewHub()
	h.Now, h.Timeout = c.now, 10*time.Second
	defer h.Close()
	h.Set("T1", "A1", StateViewing, nil)
	since := h.List("T1")[0].Since
	c.t = c.t.Add(8 * time.Second)
	h.Set("T1", "A1", StateViewing, nil)
	c.t = c.t.Add(8 * time.Second)
	h.expire()
	l := h.List("T1")
	if len(l) != 1 || !l[0].Since.Equal(since) || !l[0].UpdatedAt.Equal(c.t.Add(-8*time.Second)) {
		t.Fatalf("after a refresh: %+v", l)
	}
	c.t = c.t.Add(3 * time.Second)
	h.expire()
	if l := h.List("T1"); len(l) != 0 {
		t.Fatalf("after the timeout: %+v", l)
	}
}

// TestHubDropsASocketsEntries removes the entries last set over a socket
// when it closes, and not those another socket refreshed since.
func TestHubDropsASocketsEntries(t *testing.T) {
	h := NewHub()
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx1, close1 := context.WithCancel(context.Background())
	ctx2, close2 := context.WithCancel(context.Background())
	defer close2()
	c1, c2 := ConnectionFrom(WithConnection(ctx1)), ConnectionFrom(WithConnection(ctx2))
	h.Set("T1", "A1", StateViewing, c1)
	h.Set("T2", "A1", StateViewing, c1)
	h.Set("T2", "A1", StateTyping, c2) // another tab took over
	w := h.Watch("T1")
	<-w.C
	close1()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l := <-w.C:
			if len(l) == 0 {
				if got := states(h.List("T2")); got["A1"] != StateTyping {
					t.Fatalf("T2 after the first socket closed: %v", got)
				}
				return
			}
		case <-deadline:
			t.Fatalf("T1 still lists %v after its socket closed", h.List("T1"))
		}
	}
}
