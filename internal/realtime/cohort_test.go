package realtime

import (
	"context"
	"slices"
	"testing"

	"helpdesk/ent"
)

// TestRealtimeCohortEvaluatesEachSequenceOnce hands a cohort's outcomes batches
// of different shapes, as subscribers draining at different moments do:
// each sequence is evaluated once, the count is reused while it is recent
// enough, and a cohort without subscribers is forgotten.
func TestRealtimeCohortEvaluatesEachSequenceOnce(t *testing.T) {
	f := &Feed{Buffer: 4} // remembers max(4, DefaultBuffer)*2 sequences
	c := f.join("all:null")
	if f.join("all:null") != c {
		t.Fatal("a second subscriber of the same queue got another cohort")
	}
	if f.join("all:{}") == c {
		t.Fatal("another filter shares the cohort")
	}
	var evaluated []int64
	eval := func(_ context.Context, evs []*ent.TicketEvent) (map[int64]outcome, error) {
		out := map[int64]outcome{}
		for _, ev := range evs {
			evaluated = append(evaluated, ev.Sequence)
			out[ev.Sequence] = outcome{in: ev.Sequence%2 == 0, event: ev}
		}
		return out, nil
	}
	ctx := context.Background()
	for _, b := range [][]int64{{1, 2, 3}, {1, 2}, {3, 4, 5}, {1, 2, 3, 4, 5}} {
		res, err := c.outcomes(ctx, f.memoLimit(), batch(b...), eval)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range b {
			if res[s].in != (s%2 == 0) || res[s].event == nil || res[s].event.Sequence != s {
				t.Fatalf("outcome of %d: %+v", s, res[s])
			}
		}
	}
	if !slices.Equal(evaluated, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("evaluated %v, want each of 1..5 once", evaluated)
	}

	counts := 0
	count := func(context.Context) (int, error) { counts++; return 10 * counts, nil }
	for _, upTo := range []int64{3, 5, 4} {
		if n, err := c.total(ctx, upTo, count); err != nil || n != 10 {
			t.Fatalf("count up to %d = %d, %v; want the count taken once, 10", upTo, n, err)
		}
	}
	if n, _ := c.total(ctx, 6, count); n != 20 || counts != 2 {
		t.Fatalf("count up to a newer sequence = %d after %d counts, want a new count", n, counts)
	}

	// Old sequences are forgotten: the memo stays bounded.
	limit := f.memoLimit()
	var long []int64
	for s := int64(6); s <= 3*limit; s++ {
		long = append(long, s)
	}
	if _, err := c.outcomes(ctx, limit, batch(long...), eval); err != nil {
		t.Fatal(err)
	}
	if n := int64(len(c.seen)); n > 2*limit {
		t.Fatalf("cohort remembers %d sequences, limit %d", n, 2*limit)
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
