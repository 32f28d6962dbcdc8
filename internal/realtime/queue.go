package realtime

import (
	"fmt"
	"io"
	"strconv"

	"helpdesk/ent"
	"helpdesk/internal/gid"
)

// QueueChange says how a delivered event changes a live queue.
type QueueChange string

// The queue changes.
const (
	QueueEntered QueueChange = "ENTERED"
	QueueLeft    QueueChange = "LEFT"
	QueueChanged QueueChange = "CHANGED"
)

// MarshalGQL writes the change as a GraphQL enum value.
func (q QueueChange) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(q))) }

// UnmarshalGQL reads a GraphQL enum value.
func (q *QueueChange) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("queue change must be a string")
	}
	switch c := QueueChange(s); c {
	case QueueEntered, QueueLeft, QueueChanged:
		*q = c
		return nil
	}
	return fmt.Errorf("%q is not a queue change", s)
}

// EventCursor is the cursor of an event: the one a TicketEventConnection
// gives it, and what `after` takes.
func EventCursor(id gid.ID) ent.Cursor { return ent.Cursor{ID: id} }
