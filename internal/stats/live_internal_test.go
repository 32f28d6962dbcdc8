package stats

import (
	"testing"

	"helpdesk/internal/gid"
)

// TestChangesSendsChangedAndEmptiedBuckets: a live dashboard's push
// holds the buckets whose figures changed and, emptied, those that
// disappeared — never the unchanged ones.
func TestChangesSendsChangedAndEmptiedBuckets(t *testing.T) {
	a, b, c := gid.ID("tea_a"), gid.ID("tea_b"), gid.ID("tea_c")
	bucket := func(team gid.ID, n int) *Bucket {
		return &Bucket{TeamID: &team, Count: n, Where: map[string]any{"teamID": string(team)}}
	}
	before := index([]*Bucket{bucket(a, 1), bucket(b, 2), bucket(c, 3)})
	got := changes(before, []*Bucket{bucket(a, 1), bucket(b, 5)})
	if len(got) != 2 || *got[0].TeamID != b || got[0].Count != 5 || *got[1].TeamID != c || got[1].Count != 0 {
		t.Fatalf("changes = %+v, want team b with 5, then team c emptied", got)
	}
	if got[1].Where["teamID"] != string(c) {
		t.Fatalf("an emptied bucket lost its drill-down: %v", got[1].Where)
	}
	if got := changes(index([]*Bucket{bucket(a, 1)}), []*Bucket{bucket(a, 1)}); len(got) != 0 {
		t.Fatalf("unchanged figures pushed: %+v", got)
	}
}
