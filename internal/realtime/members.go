package realtime

import (
	"strings"

	"github.com/oklog/ulid/v2"

	"helpdesk/internal/gid"
)

// memberSet is a queue's membership: the ids of the tickets in it. A
// cohort holds its whole queue for as long as it has subscribers, so ids
// are held as their 16-byte ULIDs rather than as text (an entry takes
// about a third of the memory); an id that is not "<prefix>_<ULID>" is
// held as text.
type memberSet struct {
	ulids map[ulid.ULID]struct{}
	text  map[gid.ID]struct{}
}

func newMemberSet(ids []gid.ID) *memberSet {
	s := &memberSet{ulids: make(map[ulid.ULID]struct{}, len(ids))}
	for _, id := range ids {
		s.add(id)
	}
	return s
}

// key returns id's ULID, when it has one.
func key(id gid.ID) (ulid.ULID, bool) {
	_, rest, ok := strings.Cut(string(id), "_")
	if !ok {
		return ulid.ULID{}, false
	}
	u, err := ulid.ParseStrict(rest)
	return u, err == nil && u.String() == rest
}

func (s *memberSet) has(id gid.ID) bool {
	if u, ok := key(id); ok {
		_, in := s.ulids[u]
		return in
	}
	_, in := s.text[id]
	return in
}

func (s *memberSet) add(id gid.ID) {
	if u, ok := key(id); ok {
		s.ulids[u] = struct{}{}
		return
	}
	if s.text == nil {
		s.text = map[gid.ID]struct{}{}
	}
	s.text[id] = struct{}{}
}

func (s *memberSet) remove(id gid.ID) {
	if u, ok := key(id); ok {
		delete(s.ulids, u)
		return
	}
	delete(s.text, id)
}

func (s *memberSet) len() int { return len(s.ulids) + len(s.text) }
