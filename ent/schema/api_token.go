package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"helpdesk/internal/gid"
)

// APIToken is a credential for a non-agent: an integration (scoped) or a
// customer (a portal or chat widget acting for one customer). Only the
// SHA-256 of the secret is stored; the secret is shown once, at creation.
type APIToken struct{ ent.Schema }

// Mixin of the APIToken.
func (APIToken) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.APIToken}, TimeMixin{}}
}

// Fields of the APIToken.
func (APIToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.Enum("kind").Values("INTEGRATION", "CUSTOMER"),
		field.String("secret_hash").Unique().Sensitive().
			Annotations(entgql.Skip()),
		// scopes are what an integration token may do, e.g. "tickets:read".
		field.Strings("scopes").Default([]string{}),
		field.String("customer_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
		field.String("created_by_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
		field.Time("expires_at").Optional().Nillable(),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Edges of the APIToken.
func (APIToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Immutable(),
		edge.To("created_by", Agent.Type).Field("created_by_id").Unique().Immutable(),
	}
}

// Annotations of the APIToken.
func (APIToken) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField("apiTokens"),
		entgql.RelayConnection(),
		entgql.Type("APIToken"),
	}
}
