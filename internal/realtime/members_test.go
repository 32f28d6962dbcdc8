package realtime

import (
	"strings"
	"testing"

	"helpdesk/internal/gid"
)

// TestMemberSetHoldsIDsOfEveryForm checks the membership of a queue with
// well-formed ids (held as ULIDs) and others (held as text), including a
// ULID written in lower case, which is another id than its upper-case
// form.
func TestMemberSetHoldsIDsOfEveryForm(t *testing.T) {
	a, b := gid.New("tkt"), gid.New("tkt")
	lower := gid.ID(strings.ToLower(string(a)))
	s := newMemberSet([]gid.ID{a, "t1"})
	if !s.has(a) || !s.has("t1") || s.has(b) || s.has(lower) || s.len() != 2 {
		t.Fatalf("after the snapshot: has a %v, t1 %v, b %v, lower-case a %v, len %d", s.has(a), s.has("t1"), s.has(b), s.has(lower), s.len())
	}
	s.add(b)
	s.add(lower)
	s.add(a)
	if !s.has(b) || !s.has(lower) || s.len() != 4 {
		t.Fatalf("after adding: has b %v, lower-case a %v, len %d, want 4", s.has(b), s.has(lower), s.len())
	}
	s.remove(a)
	s.remove("t1")
	s.remove("t2")
	if s.has(a) || s.has("t1") || !s.has(lower) || !s.has(b) || s.len() != 2 {
		t.Fatalf("after removing: has a %v, t1 %v, lower-case a %v, b %v, len %d, want 2", s.has(a), s.has("t1"), s.has(lower), s.has(b), s.len())
	}
}
