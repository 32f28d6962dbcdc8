package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"helpdesk/ent/schematype"
	"helpdesk/internal/gid"
)

// SLAPolicy sets response and resolution targets per priority, measured in
// a business calendar's hours (or around the clock when it has none).
type SLAPolicy struct{ ent.Schema }

// Mixin of the SLAPolicy.
func (SLAPolicy) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.SLAPolicy}, TimeMixin{}}
}

// Fields of the SLAPolicy.
func (SLAPolicy) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Unique().
			Annotations(entgql.OrderField("NAME")),
		field.String("description").Default(""),
		field.Bool("active").Default(true),
		// is_default marks the policy used when no category or condition picks one.
		field.Bool("is_default").Default(false),
		field.JSON("targets", []schematype.SLATarget{}).Default([]schematype.SLATarget{}).
			Annotations(entgql.Type("[SLATarget!]")),
		// reminder_percents are the fractions of a target (in percent, below
		// 100) at which reminders and warnings go out; 100 % is the breach.
		field.Ints("reminder_percents").Default([]int{75, 90}),
		// breach_actions say what happens on breach: NOTIFY, RAISE_PRIORITY, ESCALATE.
		field.Strings("breach_actions").Default([]string{"NOTIFY"}),
		// conditions choose this policy for the tickets they match; the
		// policies with conditions are tried by ascending position and the
		// first match wins.
		field.JSON("conditions", schematype.SLAConditions{}).Optional().
			Annotations(entgql.Type("SLAConditions")),
		field.Int("position").Default(0).
			Annotations(entgql.OrderField("POSITION")),
	}
}

// Edges of the SLAPolicy.
func (SLAPolicy) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("calendar", BusinessCalendar.Type).Unique(),
	}
}

// Annotations of the SLAPolicy.
func (SLAPolicy) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField("slaPolicies"),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Type("SLAPolicy"),
	}
}
