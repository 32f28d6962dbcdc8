package ticketing

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
	"helpdesk/internal/store"
)

// changeSet collects the fields a change touches, in the order they were
// set, for the TicketEvent that records it.
type changeSet []schematype.FieldChange

func (c *changeSet) add(field string, from, to *string) {
	if eqPtr(from, to) {
		return
	}
	*c = append(*c, schematype.FieldChange{Field: field, From: from, To: to})
}

func (c *changeSet) addString(field, from, to string) { c.add(field, strPtr(from), strPtr(to)) }

func (c *changeSet) addID(field string, from, to *gid.ID) { c.add(field, idText(from), idText(to)) }

func (c *changeSet) addTime(field string, from, to *time.Time) {
	c.add(field, timeText(from), timeText(to))
}

// record appends one event to the ticket's history inside tx. Its sequence
// comes from a counter row locked until tx ends, so sequences follow commit
// order and a client can resume a stream from the last one it saw.
func (s *Service) record(ctx context.Context, tx *ent.Tx, viewer auth.Viewer, ticketID gid.ID,
	kind ticketevent.Kind, changes changeSet, commentID *gid.ID, at time.Time) (*ent.TicketEvent, error) {
	seq, err := store.NextValue(ctx, tx, s.Dialect, store.EventSequenceCounter)
	if err != nil {
		return nil, err
	}
	if changes == nil {
		changes = changeSet{}
	}
	ev, err := tx.TicketEvent.Create().
		SetSequence(seq).
		SetKind(kind).
		SetChanges(changes).
		SetCreatedAt(at).
		SetTicketID(ticketID).
		SetNillableActorID(viewer.ActorID()).
		SetNillableCommentID(commentID).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("recording ticket event: %w", err)
	}
	return ev, nil
}

func jsonText(v any) *string {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return strPtr(string(b))
}

// tagList is the tags' names, sorted and comma-separated.
func tagList(tags []*ent.Tag) string {
	names := map[string]bool{}
	for _, t := range tags {
		names[t.Name] = true
	}
	return sortedKeys(names)
}

func sortedKeys(set map[string]bool) string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func idText(id *gid.ID) *string {
	if id == nil || *id == "" {
		return nil
	}
	return strPtr(string(*id))
}

func timeText(t *time.Time) *string {
	if t == nil {
		return nil
	}
	return strPtr(t.UTC().Format(time.RFC3339))
}

func intText(n int) *string { return strPtr(strconv.Itoa(n)) }

func eqPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
