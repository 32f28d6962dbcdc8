package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// Counter is a named, gap-free sequence (ticket numbers, event sequence).
// A value is taken by incrementing the row inside the writing transaction,
// so a rolled-back write gives its value back and concurrent writers queue
// on the row lock.
type Counter struct{ ent.Schema }

// Fields of the Counter.
func (Counter) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").NotEmpty().MaxLen(100).Immutable(),
		field.Int64("value").Default(0),
	}
}

// Annotations of the Counter.
func (Counter) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
