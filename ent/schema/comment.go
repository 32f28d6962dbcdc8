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

// Comment is a message on a ticket, from an agent or the customer. INTERNAL
// comments are notes for staff and are never shown to customers.
type Comment struct{ ent.Schema }

// Mixin of the Comment.
func (Comment) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.Comment}, TimeMixin{}}
}

// Fields of the Comment.
func (Comment) Fields() []ent.Field {
	return []ent.Field{
		field.Text("body").NotEmpty(),
		field.Enum("visibility").Values("PUBLIC", "INTERNAL").Default("PUBLIC"),
		field.String("ticket_id").GoType(gid.ID("")).Immutable(),
		field.String("author_agent_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
		field.String("author_customer_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
	}
}

// Edges of the Comment.
func (Comment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("ticket", Ticket.Type).Field("ticket_id").Unique().Required().Immutable(),
		edge.To("author_agent", Agent.Type).Field("author_agent_id").Unique().Immutable(),
		edge.To("author_customer", Customer.Type).Field("author_customer_id").Unique().Immutable(),
		edge.To("mentions", Agent.Type),
	}
}

// Indexes of the Comment.
func (Comment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("ticket_id", "created_at")}
}

// Annotations of the Comment.
func (Comment) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
