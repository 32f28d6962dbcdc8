package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"helpdesk/ent/schematype"
	"helpdesk/internal/gid"
)

// BusinessCalendar is the working time SLA clocks count in: a time zone,
// weekly opening hours and holidays.
type BusinessCalendar struct{ ent.Schema }

// Mixin of the BusinessCalendar.
func (BusinessCalendar) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.BusinessCalendar}, TimeMixin{}}
}

// Fields of the BusinessCalendar.
func (BusinessCalendar) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Unique(),
		// timezone is an IANA name such as "Asia/Ho_Chi_Minh".
		field.String("timezone").NotEmpty(),
		field.JSON("weekly_hours", []schematype.WorkingHours{}).Default([]schematype.WorkingHours{}).
			Annotations(entgql.Type("[WorkingHours!]")),
		// holidays are dates ("2026-12-25") on which no time counts.
		field.Strings("holidays").Default([]string{}),
	}
}

// Annotations of the BusinessCalendar.
func (BusinessCalendar) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField("businessCalendars"),
		entgql.RelayConnection(),
	}
}
