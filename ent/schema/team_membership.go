package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"helpdesk/internal/gid"
)

// TeamMembership places an agent in a team at a position: priority 1 is
// the first member asked when the team assigns by priority.
type TeamMembership struct{ ent.Schema }

// Mixin of the TeamMembership.
func (TeamMembership) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.TeamMembership}, TimeMixin{}}
}

// Fields of the TeamMembership.
func (TeamMembership) Fields() []ent.Field {
	return []ent.Field{
		field.String("team_id").GoType(gid.ID("")).Immutable(),
		field.String("agent_id").GoType(gid.ID("")).Immutable(),
		field.Int("priority").Positive(),
		// round_robin_turn is the team-wide turn at which this member was
		// last given a ticket (0: never); ROUND_ROBIN gives the next one to
		// the free member whose turn is oldest. Kept in the database so the
		// rotation is fair across restarts and replicas.
		field.Int64("round_robin_turn").NonNegative().Default(0).
			Annotations(entgql.Skip()),
	}
}

// Edges of the TeamMembership.
func (TeamMembership) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("team", Team.Type).Ref("memberships").Field("team_id").Unique().Required().Immutable(),
		edge.From("agent", Agent.Type).Ref("memberships").Field("agent_id").Unique().Required().Immutable(),
	}
}

// Indexes of the TeamMembership.
func (TeamMembership) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("team_id", "agent_id").Unique(),
		index.Fields("agent_id"),
	}
}
