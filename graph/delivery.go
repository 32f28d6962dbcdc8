package graph

import (
	"helpdesk/ent"
	"helpdesk/ent/schematype"
)

// withheld reports whether ev is a live queue's LEFT delivery of a ticket
// the subscriber may no longer read: of it only its place in the log and
// its ticket's id are shown, its other fields are null.
func withheld(ev *ent.TicketEvent) bool {
	return ev.Delivery != nil && ev.Delivery.Withheld
}

// fieldChanges lists an event's changes as the schema's list of objects.
func fieldChanges(changes []schematype.FieldChange) []*schematype.FieldChange {
	out := make([]*schematype.FieldChange, len(changes))
	for i := range changes {
		out[i] = &changes[i]
	}
	return out
}
