package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuthzRule is one Casbin policy or grouping rule (e.g. "p, AGENT, ticket,
// read, …" or "g, <agent id>, LEAD, <team id>"), stored so that every
// replica enforces the same policy.
type AuthzRule struct{ ent.Schema }

// Fields of the AuthzRule.
func (AuthzRule) Fields() []ent.Field {
	return []ent.Field{
		field.String("ptype").NotEmpty().MaxLen(16),
		field.String("v0").Default("").MaxLen(255),
		field.String("v1").Default("").MaxLen(255),
		field.String("v2").Default("").MaxLen(255),
		field.String("v3").Default("").MaxLen(1000),
		field.String("v4").Default("").MaxLen(255),
		field.String("v5").Default("").MaxLen(255),
	}
}

// Indexes of the AuthzRule: a rule is stored once.
func (AuthzRule) Indexes() []ent.Index {
	return []ent.Index{index.Fields("ptype", "v0", "v1", "v2", "v3", "v4", "v5").Unique()}
}

// Annotations of the AuthzRule.
func (AuthzRule) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
