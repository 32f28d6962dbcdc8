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

// Customer is the person asking for help: one file across every channel.
type Customer struct{ ent.Schema }

// Mixin of the Customer.
func (Customer) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.Customer}, TimeMixin{}}
}

// Fields of the Customer.
func (Customer) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		// email is the primary address, lower-cased and unique; emails holds
		// every address the customer writes from, the primary one first.
		field.String("email").Optional().Nillable().MaxLen(320).Unique().
			Annotations(entgql.OrderField("EMAIL")),
		field.Strings("emails").Default([]string{}),
		field.String("phone").Optional().Nillable().MaxLen(40),
		field.String("organization").Optional().Nillable().MaxLen(200).
			Annotations(entgql.OrderField("ORGANIZATION")),
		// external_ids maps a channel to the customer's id there, e.g.
		// {"FACEBOOK": "page-scoped id"}.
		field.JSON("external_ids", map[string]string{}).Default(map[string]string{}).
			Annotations(entgql.Type("Map")),
		field.JSON("custom_fields", map[string]any{}).Default(map[string]any{}).
			Annotations(entgql.Type("Map")),
		field.Text("notes").Default(""),
	}
}

// Edges of the Customer.
func (Customer) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("tickets", Ticket.Type).Ref("customer").
			Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the Customer.
func (Customer) Indexes() []ent.Index {
	return []ent.Index{index.Fields("name"), index.Fields("organization")}
}

// Annotations of the Customer.
func (Customer) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
