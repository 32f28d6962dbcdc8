package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"helpdesk/ent/schematype"
	"helpdesk/internal/gid"
)

// Ticket is one customer request, worked by a team and an agent.
//
// Every change goes through the service layer, which bumps version and
// writes a TicketEvent in the same transaction.
type Ticket struct{ ent.Schema }

// Mixin of the Ticket.
func (Ticket) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{prefix: gid.Ticket}, TimeMixin{}}
}

// Fields of the Ticket.
func (Ticket) Fields() []ent.Field {
	return []ent.Field{
		// number is the human reference (#1042): unique, sequential, gap-free.
		field.Int("number").Positive().Immutable().Unique().
			Annotations(entgql.OrderField("NUMBER")),
		field.String("title").NotEmpty().MaxLen(500).
			Annotations(entgql.OrderField("TITLE")),
		field.Text("description").Default(""),
		field.Enum("status").
			Values("UNASSIGNED", "OPEN", "IN_PROGRESS", "WAITING", "RESOLVED", "CLOSED", "CANCELLED").
			Default("UNASSIGNED").
			Annotations(entgql.OrderField("STATUS")),
		field.Enum("priority").GoType(schematype.Priority("")).Default(string(schematype.PriorityMedium)).
			Annotations(entgql.Type("TicketPriority")),
		// priority_rank mirrors priority as 1 (URGENT) … 4 (LOW) so that
		// ordering by priority sorts by urgency, not by name.
		field.Int("priority_rank").Range(1, 4).
			Annotations(entgql.OrderField("PRIORITY"), entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Enum("channel").
			Values("EMAIL", "CHAT", "PHONE", "FACEBOOK", "WEB", "API", "INTERNAL").
			Annotations(entgql.OrderField("CHANNEL")),
		// internal tickets are staff-only and have no customer.
		field.Bool("internal").Default(false),
		// version increases by one with every change; writers pass the
		// version they saw to detect that someone changed it meanwhile.
		field.Int("version").Default(1),
		field.String("order_reference").Optional().Nillable().MaxLen(200),
		field.JSON("custom_fields", map[string]any{}).Default(map[string]any{}).
			Annotations(entgql.Type("Map")),
		field.Time("first_response_due_at").Optional().Nillable().
			Annotations(entgql.OrderField("FIRST_RESPONSE_DUE_AT")),
		field.Time("resolution_due_at").Optional().Nillable().
			Annotations(entgql.OrderField("RESOLUTION_DUE_AT")),
		// sla_state summarises the ticket's SLA clocks (see internal/sla);
		// next_due_at is the soonest due time of its open clocks.
		field.Enum("sla_state").Values("ON_TRACK", "AT_RISK", "BREACHED", "MET", "PAUSED", "NONE").Default("NONE").
			Annotations(entgql.Type("SLAState")),
		field.Time("next_due_at").Optional().Nillable().
			Annotations(entgql.OrderField("NEXT_DUE_AT")),
		// sla_policy_explicit is set when someone chose the ticket's SLA
		// policy; conditions then no longer change it.
		field.Bool("sla_policy_explicit").Default(false),
		// status_changed_at is when the status last changed; the time since
		// then is added to working or waiting time on the next change.
		field.Time("status_changed_at").Optional().Nillable(),
		field.Time("first_responded_at").Optional().Nillable().
			Annotations(entgql.OrderField("FIRST_RESPONDED_AT")),
		field.Time("resolved_at").Optional().Nillable().
			Annotations(entgql.OrderField("RESOLVED_AT")),
		field.Time("closed_at").Optional().Nillable(),
		// working_seconds and waiting_seconds total the time spent
		// IN_PROGRESS and WAITING.
		field.Int("working_seconds").NonNegative().Default(0).
			Annotations(entgql.OrderField("WORKING_SECONDS")),
		field.Int("waiting_seconds").NonNegative().Default(0).
			Annotations(entgql.OrderField("WAITING_SECONDS")),
		// first_assigned_at is when the ticket first got an assignee; the
		// *_seconds fields below are the times from creation to the first
		// assignment, the first public agent reply and the (last)
		// resolution, kept as they happen so they can be filtered and
		// sorted on.
		field.Time("first_assigned_at").Optional().Nillable().
			Annotations(entgql.OrderField("FIRST_ASSIGNED_AT")),
		field.Int("first_assignment_seconds").Optional().Nillable().NonNegative().
			Annotations(entgql.OrderField("FIRST_ASSIGNMENT_SECONDS")),
		field.Int("first_response_seconds").Optional().Nillable().NonNegative().
			Annotations(entgql.OrderField("FIRST_RESPONSE_SECONDS")),
		field.Int("resolution_seconds").Optional().Nillable().NonNegative().
			Annotations(entgql.OrderField("RESOLUTION_SECONDS")),
		// follow_up_of_id is the closed ticket this one continues: a
		// customer who writes after a ticket is closed opens a follow-up.
		field.String("follow_up_of_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
		field.String("customer_id").GoType(gid.ID("")).Optional().Nillable(),
		field.String("category_id").GoType(gid.ID("")).Optional().Nillable(),
		field.String("team_id").GoType(gid.ID("")).Optional().Nillable(),
		field.String("assignee_id").GoType(gid.ID("")).Optional().Nillable(),
		field.String("sla_policy_id").GoType(gid.ID("")).Optional().Nillable(),
		field.String("created_by_id").GoType(gid.ID("")).Optional().Nillable().Immutable(),
	}
}

// Edges of the Ticket.
func (Ticket) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique(),
		edge.To("category", Category.Type).Field("category_id").Unique(),
		edge.To("team", Team.Type).Field("team_id").Unique(),
		edge.To("assignee", Agent.Type).Field("assignee_id").Unique(),
		edge.To("sla_policy", SLAPolicy.Type).Field("sla_policy_id").Unique(),
		edge.To("created_by", Agent.Type).Field("created_by_id").Unique().Immutable(),
		edge.To("tags", Tag.Type),
		edge.To("watchers", Agent.Type),
		edge.To("follow_up_of", Ticket.Type).Field("follow_up_of_id").Unique().Immutable().
			From("follow_ups").Annotations(entgql.Skip()),
		edge.From("comments", Comment.Type).Ref("ticket").
			Annotations(entgql.RelayConnection()),
		edge.From("events", TicketEvent.Type).Ref("ticket").
			Annotations(entgql.RelayConnection()),
		edge.From("sla_clocks", SLAClock.Type).Ref("ticket").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of the Ticket: the queue, filter and sort paths.
func (Ticket) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("status", "priority_rank", "created_at"),
		// A team's queue: its open statuses, most urgent and oldest first.
		index.Fields("team_id", "status", "priority_rank", "created_at"),
		index.Fields("assignee_id", "status"),
		// The unassigned tickets of a team: the branch of an agent's read
		// scope for their teams' unassigned tickets (authz.TicketScope),
		// and the claimable queue. Partial, so it holds only the few
		// tickets waiting for an assignee.
		index.Fields("team_id", "status").
			Annotations(entsql.IndexWhere("assignee_id IS NULL")).
			StorageKey("ticket_team_id_status_unassigned"),
		index.Fields("customer_id"),
		index.Fields("category_id"),
		// created_at carries, on PostgreSQL, what statistics group by and
		// measure, so that a period's statistics read the index alone
		// (an index-only scan) rather than every ticket's row.
		index.Fields("created_at").
			Annotations(entsql.IncludeColumns("team_id", "status", "priority", "channel", "assignee_id",
				"first_responded_at", "resolved_at", "working_seconds", "waiting_seconds", "sla_state")),
		index.Fields("updated_at"),
		index.Fields("next_due_at"),
		index.Fields("sla_state"),
		// statistics bucket and filter by resolution time.
		index.Fields("resolved_at"),
	}
}

// Annotations of the Ticket.
func (Ticket) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
