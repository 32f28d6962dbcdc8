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

// Agent is a staff account that logs in and works tickets.
type Agent struct{ ent.Schema }

// Mixin of the Agent.
func (Agent) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.Agent}, TimeMixin{}}
}

// Fields of the Agent.
func (Agent) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		// email is stored lower-cased; it is the login name.
		field.String("email").NotEmpty().MaxLen(320).Unique().
			Annotations(entgql.OrderField("EMAIL")),
		field.String("password_hash").Sensitive().
			Annotations(entgql.Skip()),
		field.Enum("role").Values("ADMIN", "MANAGER", "AGENT").Default("AGENT").
			Annotations(entgql.OrderField("ROLE")),
		field.Enum("availability").Values("ONLINE", "AWAY", "OFFLINE").Default("OFFLINE"),
		// capacity is the most active tickets the agent takes at once.
		field.Int("capacity").NonNegative().Default(10),
		field.String("timezone").Default("UTC"),
		field.Bool("active").Default(true),
		// token_generation is carried in every login token; raising it
		// (password change, deactivation, "sign out everywhere") refuses
		// every token issued before.
		field.Int("token_generation").NonNegative().Default(0).
			Annotations(entgql.Skip()),
	}
}

// Edges of the Agent.
func (Agent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("memberships", TeamMembership.Type).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("assigned_tickets", Ticket.Type).Ref("assignee").
			Annotations(entgql.RelayConnection()),
		edge.From("watched_tickets", Ticket.Type).Ref("watchers").
			Annotations(entgql.RelayConnection()),
		edge.From("mentioned_in", Comment.Type).Ref("mentions").
			Annotations(entgql.Skip()),
	}
}

// Indexes of the Agent.
func (Agent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("role")}
}

// Annotations of the Agent.
func (Agent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
