package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"helpdesk/ent/schematype"
	"helpdesk/internal/gid"
)

// SLAClock is one SLA metric of one ticket: its target, when it started,
// the intervals it was paused, when it is due, and when it was met or
// breached. The SLA engine (internal/sla) keeps it in step with the
// ticket's changes, inside their transactions; GraphQL shows it as the
// ticket's slaTimeline.
type SLAClock struct{ ent.Schema }

// Mixin of the SLAClock.
func (SLAClock) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.SLAClock}}
}

// Fields of the SLAClock.
func (SLAClock) Fields() []ent.Field {
	return []ent.Field{
		field.String("ticket_id").GoType(gid.ID("")).Immutable(),
		field.Enum("metric").Values("FIRST_ASSIGNMENT", "FIRST_RESPONSE", "NEXT_RESPONSE", "RESOLUTION").Immutable(),
		// target_seconds is the business time the metric may take.
		field.Int("target_seconds").Positive(),
		// started_at is when the clock started; nil for a NEXT_RESPONSE
		// clock before the first customer message after the first response.
		field.Time("started_at").Optional().Nillable(),
		// pauses are the closed intervals the clock did not count;
		// paused_since is the start of the pause under way.
		field.JSON("pauses", []schematype.Interval{}).Default([]schematype.Interval{}),
		field.Time("paused_since").Optional().Nillable(),
		// due_at is when the target is reached; nil while paused, met or
		// stopped.
		field.Time("due_at").Optional().Nillable(),
		field.Time("met_at").Optional().Nillable(),
		field.Time("breached_at").Optional().Nillable(),
		// stopped_at is when the clock stopped without being met (the
		// ticket was resolved without it, closed or cancelled).
		field.Time("stopped_at").Optional().Nillable(),
		// fired_percent is the highest reminder level (100: the breach)
		// already announced for this run of the clock.
		field.Int("fired_percent").NonNegative().Default(0),
		// version grows whenever the due time moves; a timer job carries
		// the version it was scheduled for and does nothing on another.
		field.Int("version").Positive().Default(1),
	}
}

// Edges of the SLAClock.
func (SLAClock) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("ticket", Ticket.Type).Field("ticket_id").Unique().Required().Immutable(),
	}
}

// Indexes of the SLAClock.
func (SLAClock) Indexes() []ent.Index {
	return []ent.Index{index.Fields("ticket_id", "metric").Unique()}
}

// Annotations of the SLAClock: GraphQL shows clocks through
// Ticket.slaTimeline only.
func (SLAClock) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
