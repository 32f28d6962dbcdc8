package realtime

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"

	"helpdesk/ent"
	"helpdesk/internal/gid"
)

// fakeQueue is an evaluator over a log held in memory: ticket "in" is in
// the queue while inQueue says so.
type fakeQueue struct {
	log       []*ent.TicketEvent // sequence i+1 at index i
	inQueue   map[gid.ID]bool
	readable  map[gid.ID]bool
	evaluated []int64 // sequences evaluated
	snapshots int
}

func (q *fakeQueue) judge(_ context.Context, evs []*ent.TicketEvent) (map[int64]verdict, error) {
	out := map[int64]verdict{}
	for _, ev := range evs {
		q.evaluated = append(q.evaluated, ev.Sequence)
		v := verdict{in: q.inQueue[ev.TicketID]}
		if q.readable[ev.TicketID] {
			v.content = ev
		}
		out[ev.Sequence] = v
	}
	return out, nil
}

func (q *fakeQueue) snapshot(context.Context) ([]gid.ID, int64, error) {
	q.snapshots++
	var ids []gid.ID
	for id, in := range q.inQueue {
		if in {
			ids = append(ids, id)
		}
	}
	return ids, int64(len(q.log)), nil
}

func (q *fakeQueue) readAfter(_ context.Context, after int64, limit int) ([]*ent.TicketEvent, error) {
	end := min(int(after)+limit, len(q.log))
	return q.log[after:end], nil
}

// commit appends an event of ticket to the log and returns it.
func (q *fakeQueue) commit(ticket gid.ID) *ent.TicketEvent {
	seq := int64(len(q.log) + 1)
	ev := &ent.TicketEvent{ID: gid.ID("evt_" + string(rune('a'+seq))), Sequence: seq, TicketID: ticket}
	q.log = append(q.log, ev)
	return ev
}

// TestRealtimeCohortSharesMembershipAndEvaluations hands a cohort batches
// of different shapes, as subscribers draining at different moments do:
// the queue's membership is read once, each sequence is evaluated once
// and labelled from the membership (ENTERED, CHANGED, LEFT, withheld when
// unreadable), a gap is read from the log, the count is reused while it
// is recent enough, and a cohort without subscribers is forgotten.
func TestRealtimeCohortSharesMembershipAndEvaluations(t *testing.T) {
	f := &Feed{Buffer: 4}
	c := f.join("all:null")
	if f.join("all:null") != c {
		t.Fatal("a second subscriber of the same queue got another cohort")
	}
	if f.join("all:{}") == c {
		t.Fatal("another filter shares the cohort")
	}
	if f.join("") == f.join("") {
		t.Fatal("subscribers without a cohort name share one")
	}
	ctx := context.Background()
	q := &fakeQueue{inQueue: map[gid.ID]bool{"t1": true}, readable: map[gid.ID]bool{"t1": true, "t2": true, "t3": true}}
	q.commit("t1") // 1: before the snapshot
	for range 2 {
		if at, err := c.start(ctx, q, true, nil); err != nil || at != 1 {
			t.Fatalf("start = %d, %v; want the snapshot's position 1", at, err)
		}
	}
	if q.snapshots != 1 {
		t.Fatalf("%d snapshots for one cohort, want 1", q.snapshots)
	}

	e2 := q.commit("t1") // 2: t1 changes, still in
	q.inQueue["t2"] = true
	e3 := q.commit("t2") // 3: t2 enters
	e4 := q.commit("t3") // 4: t3, never in
	want := map[int64]QueueChange{2: QueueChanged, 3: QueueEntered, 4: "", 5: QueueLeft}
	// The queue's count after each sequence, kept from the membership.
	wantTotal := map[int64]int{2: 1, 3: 2, 4: 2, 5: 1}
	check := func(b ...*ent.TicketEvent) {
		t.Helper()
		res, kept, err := c.outcomes(ctx, f, q, b)
		if err != nil {
			t.Fatal(err)
		}
		if !kept {
			t.Fatal("outcomes do not carry the count of a queue that keeps it")
		}
		for _, ev := range b {
			o := res[ev.Sequence]
			if o.change != want[ev.Sequence] || (o.change != "") != (o.event == ev) {
				t.Fatalf("outcome of %d: %+v, want %q with its content", ev.Sequence, o, want[ev.Sequence])
			}
			if o.total != wantTotal[ev.Sequence] {
				t.Fatalf("count after %d: %d, want %d", ev.Sequence, o.total, wantTotal[ev.Sequence])
			}
		}
	}
	check(e3, e4)
	check(e2, e3)
	q.inQueue["t1"] = false
	e5 := q.commit("t1") // 5: t1 leaves, still readable
	check(e4, e5)
	check(e2, e3, e4, e5)
	// Sequence 2 was not handed first: it was read from the log.
	if !slices.Equal(q.evaluated, []int64{2, 3, 4, 5}) {
		t.Fatalf("evaluated %v, want 2, 3, 4 and 5 once each", q.evaluated)
	}

	// t2 moves where the viewer may not read it: LEFT, withheld.
	q.inQueue["t2"], q.readable["t2"] = false, false
	e6 := q.commit("t2")
	res, _, err := c.outcomes(ctx, f, q, []*ent.TicketEvent{e6})
	if o := res[6]; err != nil || o.change != QueueLeft || o.event != nil || o.total != 0 {
		t.Fatalf("outcome of 6: %+v, %v; want a withheld LEFT leaving the queue empty", o, err)
	}

	counts := 0
	count := func(context.Context) (int, error) { counts++; return 10 * counts, nil }
	for _, upTo := range []int64{3, 6, 4} {
		if n, err := c.total(ctx, upTo, count); err != nil || n != 10 {
			t.Fatalf("count up to %d = %d, %v; want the count taken once, 10", upTo, n, err)
		}
	}
	if n, _ := c.total(ctx, 7, count); n != 20 || counts != 2 {
		t.Fatalf("count up to a newer sequence = %d after %d counts, want a new count", n, counts)
	}

	// Old sequences are forgotten: the memo stays bounded, and a
	// subscriber asking for one is told it lags.
	limit := f.memoLimit()
	var long []*ent.TicketEvent
	for range 3 * limit {
		long = append(long, q.commit("t3"))
	}
	if _, _, err := c.outcomes(ctx, f, q, long); err != nil {
		t.Fatal(err)
	}
	if n := int64(len(c.memo)); n > 2*limit {
		t.Fatalf("cohort remembers %d sequences, limit %d", n, 2*limit)
	}
	if _, _, err := c.outcomes(ctx, f, q, []*ent.TicketEvent{e6}); !errors.Is(err, ErrLagged) {
		t.Fatalf("asking for a forgotten sequence: %v, want ErrLagged", err)
	}

	f.leave(c)
	if f.cohorts["all:null"] != c {
		t.Fatal("cohort forgotten while a subscriber remains")
	}
	f.leave(c)
	if _, ok := f.cohorts["all:null"]; ok {
		t.Fatal("cohort without subscribers kept")
	}
}

// TestRealtimeCohortCountsAgainWhenTheScopeChanges checks that a cohort
// keeps the count from its membership only while the viewer's read scope
// is the one the membership was read with.
func TestRealtimeCohortCountsAgainWhenTheScopeChanges(t *testing.T) {
	f := &Feed{}
	ctx := context.Background()
	q := &fakeQueue{inQueue: map[gid.ID]bool{"t1": true}, readable: map[gid.ID]bool{"t1": true}}
	scope := "lead of A"
	c := f.join("own:x")
	if _, err := c.start(ctx, q, true, func() string { return scope }); err != nil {
		t.Fatal(err)
	}
	if _, kept, err := c.outcomes(ctx, f, q, []*ent.TicketEvent{q.commit("t1")}); err != nil || !kept {
		t.Fatalf("same scope: kept %v, %v; want the count kept", kept, err)
	}
	scope = "lead of A and B"
	for range 2 {
		if _, kept, err := c.outcomes(ctx, f, q, []*ent.TicketEvent{q.commit("t1")}); err != nil || kept {
			t.Fatalf("changed scope: kept %v, %v; want the queue counted", kept, err)
		}
	}
	other := f.join("")
	if _, err := other.start(ctx, q, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, kept, err := other.outcomes(ctx, f, q, []*ent.TicketEvent{q.commit("t1")}); err != nil || kept {
		t.Fatalf("a queue that is recounted: kept %v, %v; want it counted", kept, err)
	}
}

// TestRealtimeQueueReadsRunAFewAtATime checks that the reads of whole
// queues (snapshots of new cohorts, counts) run at most Readers at once,
// so that many subscriptions starting together leave the rest of the
// database pool to other requests.
func TestRealtimeQueueReadsRunAFewAtATime(t *testing.T) {
	f := &Feed{Readers: 3}
	var mu sync.Mutex
	running, most := 0, 0
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = f.read(context.Background(), func() error {
				mu.Lock()
				running++
				most = max(most, running)
				mu.Unlock()
				<-release
				mu.Lock()
				running--
				mu.Unlock()
				return nil
			})
		}()
	}
	for {
		mu.Lock()
		r := running
		mu.Unlock()
		if r == 3 {
			break
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if most != 3 {
		t.Fatalf("%d queue reads ran at once, want at most Readers (3)", most)
	}
	// A read waiting for its turn gives up with its context.
	g := &Feed{Readers: 1}
	hold, holding := make(chan struct{}), make(chan struct{})
	go func() { _ = g.read(context.Background(), func() error { close(holding); <-hold; return nil }) }()
	<-holding
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.read(ctx, func() error { t.Error("ran past the bound"); return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting read with its context ended: %v, want context.Canceled", err)
	}
	close(hold)
}
