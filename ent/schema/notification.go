package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"helpdesk/internal/gid"
)

// Notification tells one agent about a ticket change that concerns them:
// they were mentioned, the ticket was assigned to them, or a ticket they
// watch changed. It is written in the transaction of the change, carries
// the sequence of the change's ticket event, and is read only by its
// recipient.
type Notification struct{ ent.Schema }

// Mixin of the Notification.
func (Notification) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.Notification}}
}

// Fields of the Notification.
func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("MENTIONED", "ASSIGNED", "WATCHED_TICKET_UPDATED", "SLA_REMINDER", "SLA_WARNING", "SLA_BREACHED").Immutable(),
		// sequence is the sequence of the ticket event that caused it.
		field.Int64("sequence").Positive().Immutable().
			Annotations(entgql.OrderField("SEQUENCE")),
		field.Time("created_at").Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
		field.Time("read_at").Optional().Nillable(),
		field.String("recipient_id").GoType(gid.ID("")).Immutable(),
		field.String("ticket_id").GoType(gid.ID("")).Immutable(),
		field.String("comment_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
		field.String("actor_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
	}
}

// Edges of the Notification.
func (Notification) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("recipient", Agent.Type).Field("recipient_id").Unique().Required().Immutable(),
		edge.To("ticket", Ticket.Type).Field("ticket_id").Unique().Required().Immutable(),
		edge.To("comment", Comment.Type).Field("comment_id").Unique().Immutable(),
		edge.To("actor", Agent.Type).Field("actor_id").Unique().Immutable(),
	}
}

// Indexes of the Notification.
func (Notification) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("recipient_id", "sequence"),
		index.Fields("recipient_id", "read_at"),
	}
}

// Annotations of the Notification.
func (Notification) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
