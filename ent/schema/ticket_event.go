package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"helpdesk/ent/schematype"
	"helpdesk/internal/gid"
)

// TicketEvent is one entry of a ticket's append-only history: who changed
// what, when, from which value to which. It is written in the same
// transaction as the change it records, and never updated or deleted.
type TicketEvent struct{ ent.Schema }

// Mixin of the TicketEvent.
func (TicketEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.TicketEvent}}
}

// Fields of the TicketEvent.
func (TicketEvent) Fields() []ent.Field {
	return []ent.Field{
		// sequence is strictly increasing across all events in commit order
		// (allocated under the same lock as the write); clients resume a
		// stream of events from it.
		field.Int64("sequence").Positive().Unique().Immutable().
			Annotations(entgql.OrderField("SEQUENCE")),
		// kind says what happened without reading the changes: a change
		// that moves the assignee is ASSIGNED or UNASSIGNED, one that moves
		// the team TEAM_CHANGED, one that moves only the status (or the
		// status with the fields it carries) STATUS_CHANGED; any other edit
		// is UPDATED. SLA_REMINDER, SLA_WARNING and SLA_BREACHED are an SLA
		// clock reaching a reminder level, the warning level and its target.
		// CLAIMED, TRANSFERRED and ESCALATED name the workflow mutations of
		// the same names.
		field.Enum("kind").
			Values("CREATED", "UPDATED", "COMMENTED", "STATUS_CHANGED", "ASSIGNED", "UNASSIGNED", "TEAM_CHANGED",
				"SLA_REMINDER", "SLA_WARNING", "SLA_BREACHED", "CLAIMED", "TRANSFERRED", "ESCALATED").
			Immutable(),
		field.JSON("changes", []schematype.FieldChange{}).Immutable(),
		field.Time("created_at").Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
		field.String("ticket_id").GoType(gid.ID("")).Immutable(),
		field.String("actor_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
		field.String("comment_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
	}
}

// Edges of the TicketEvent.
func (TicketEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("ticket", Ticket.Type).Field("ticket_id").Unique().Required().Immutable(),
		edge.To("actor", Agent.Type).Field("actor_id").Unique().Immutable(),
		edge.To("comment", Comment.Type).Field("comment_id").Unique().Immutable(),
	}
}

// Indexes of the TicketEvent.
func (TicketEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("ticket_id", "sequence"),
		// agent statistics read the events of a period.
		index.Fields("created_at"),
	}
}

// Annotations of the TicketEvent.
func (TicketEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
