package ticketing

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
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

// change describes a change to the ticket for the event pipeline.
func change(viewer auth.Viewer, ticketID gid.ID, kind ticketevent.Kind, ch changeSet, commentID *gid.ID, at time.Time) events.Change {
	return events.Change{
		TicketID:  ticketID,
		ActorID:   viewer.ActorID(),
		Kind:      kind,
		Changes:   ch,
		CommentID: commentID,
		At:        at,
	}
}

// updateKind names an update by the most significant thing it moved: the
// assignee, then the team, then the status; anything else is UPDATED.
func updateKind(ch changeSet) ticketevent.Kind {
	if c := ch.field("assignee"); c != nil {
		if c.To == nil {
			return ticketevent.KindUNASSIGNED
		}
		return ticketevent.KindASSIGNED
	}
	if ch.field("team") != nil {
		return ticketevent.KindTEAM_CHANGED
	}
	if ch.field("status") != nil {
		return ticketevent.KindSTATUS_CHANGED
	}
	return ticketevent.KindUPDATED
}

func (c changeSet) field(name string) *schematype.FieldChange {
	for i := range c {
		if c[i].Field == name {
			return &c[i]
		}
	}
	return nil
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
