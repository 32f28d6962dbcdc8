package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"helpdesk/internal/gid"
)

// Team is a support group that owns a queue of tickets.
type Team struct{ ent.Schema }

// Mixin of the Team.
func (Team) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.Team}, TimeMixin{}}
}

// Fields of the Team.
func (Team) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Unique().
			Annotations(entgql.OrderField("NAME")),
		field.String("description").Default(""),
		// is_default marks the team that receives tickets nothing else routes;
		// at most one team has it.
		field.Bool("is_default").Default(false),
		field.Enum("assignment_strategy").
			Values("PRIORITY", "ROUND_ROBIN", "LEAST_LOADED", "MANUAL").
			Default("PRIORITY"),
		// waiting_counts_as_active: a member's WAITING tickets count
		// against their capacity (else only OPEN and IN_PROGRESS do).
		field.Bool("waiting_counts_as_active").Default(true),
		// requeue_when_offline: a member going OFFLINE hands their OPEN
		// (not started) tickets of this team back to the team queue.
		field.Bool("requeue_when_offline").Default(false),
		// escalation_raises_priority: escalating a ticket of this team
		// raises its priority one step (LOW → MEDIUM → HIGH → URGENT).
		field.Bool("escalation_raises_priority").Default(false),
	}
}

// Edges of the Team.
func (Team) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("memberships", TeamMembership.Type).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("calendar", BusinessCalendar.Type).Unique(),
		edge.To("escalation_team", Team.Type).Unique(),
		edge.From("tickets", Ticket.Type).Ref("team").
			Annotations(entgql.RelayConnection()),
	}
}

// Annotations of the Team.
func (Team) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
