package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"helpdesk/ent/schematype"
	"helpdesk/internal/gid"
)

// RoutingRule routes new tickets: rules are tried in position order and
// the first whose conditions all hold decides the ticket's team,
// priority and extra tags (see workflow.Rule). Administrators manage
// them; the category's default team and the default team stay the
// fallbacks.
type RoutingRule struct{ ent.Schema }

// Mixin of the RoutingRule.
func (RoutingRule) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.RoutingRule}, TimeMixin{}}
}

// Fields of the RoutingRule.
func (RoutingRule) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		// position orders the rules: 1 is tried first; positions stay 1…n.
		field.Int("position").Positive(),
		field.Bool("active").Default(true),
		// The conditions; unset ones match every ticket.
		field.JSON("channels", []string{}).Default([]string{}).
			Annotations(entgql.Type("[String!]")),
		field.String("customer_id").GoType(gid.ID("")).Optional().Nillable().
			Annotations(entgql.Type("ID")),
		field.String("organization").Optional().Nillable().MaxLen(200),
		// category_id matches the category and every category below it.
		field.String("category_id").GoType(gid.ID("")).Optional().Nillable().
			Annotations(entgql.Type("ID")),
		field.JSON("tags", []string{}).Default([]string{}).
			Annotations(entgql.Type("[String!]")),
		field.JSON("title_words", []string{}).Default([]string{}).
			Annotations(entgql.Type("[String!]")),
		// What a matching rule decides.
		field.String("team_id").GoType(gid.ID("")).Optional().Nillable().
			Annotations(entgql.Type("ID")),
		field.Enum("priority").GoType(schematype.Priority("")).Optional().Nillable().
			Annotations(entgql.Type("TicketPriority")),
		field.JSON("add_tags", []string{}).Default([]string{}).
			Annotations(entgql.Type("[String!]")),
	}
}

// Indexes of the RoutingRule.
func (RoutingRule) Indexes() []ent.Index {
	return []ent.Index{index.Fields("position")}
}

// Annotations of the RoutingRule: rules are listed whole (routingRules),
// never filtered.
func (RoutingRule) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput)}
}
