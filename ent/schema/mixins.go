// Package schema holds the ent schemas of the helpdesk domain: one file per
// entity, plus the mixins they share.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"helpdesk/internal/gid"
)

// IDMixin gives an entity an opaque global id with the entity's type prefix.
type IDMixin struct {
	mixin.Schema
	prefix string
}

// Fields of the IDMixin.
func (m IDMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").
			GoType(gid.ID("")).
			MaxLen(40).
			Immutable().
			DefaultFunc(func() gid.ID { return gid.New(m.prefix) }),
	}
}

// TimeMixin records when a row was created and last changed. The service
// layer sets both from its injected clock; the defaults only cover writes
// that do not.
type TimeMixin struct{ mixin.Schema }

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(time.Now).
			Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
		field.Time("updated_at").
			Default(time.Now).
			UpdateDefault(time.Now).
			Annotations(entgql.OrderField("UPDATED_AT")),
	}
}
