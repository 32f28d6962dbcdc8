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

// Category classifies tickets in a tree at most three levels deep.
type Category struct{ ent.Schema }

// Mixin of the Category.
func (Category) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.Category}, TimeMixin{}}
}

// Fields of the Category.
func (Category) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		field.String("description").Default(""),
		// level is 1 for a root category, 2 for a sub-category and 3 for a
		// sub-sub-category; it never exceeds 3.
		field.Int("level").Range(1, 3).Immutable().
			Annotations(entgql.OrderField("LEVEL")),
		field.String("parent_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
		field.Enum("default_priority").GoType(schematype.Priority("")).Optional().Nillable().
			Annotations(entgql.Type("TicketPriority")),
	}
}

// Edges of the Category.
func (Category) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", Category.Type).
			From("parent").Field("parent_id").Unique().Immutable(),
		edge.To("default_team", Team.Type).Unique(),
		edge.To("sla_policy", SLAPolicy.Type).Unique(),
		edge.From("tickets", Ticket.Type).Ref("category").
			Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the Category.
func (Category) Indexes() []ent.Index {
	return []ent.Index{index.Fields("parent_id", "name").Unique()}
}

// Annotations of the Category.
func (Category) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
