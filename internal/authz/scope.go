package authz

import (
	"slices"

	"entgo.io/ent/dialect/sql"

	"helpdesk/ent/agent"
	"helpdesk/ent/comment"
	"helpdesk/ent/customer"
	"helpdesk/ent/notification"
	"helpdesk/ent/predicate"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
)

// The read scopes below are the SQL form of what a viewer may read of one
// entity type: nil when the viewer may read every row. The query
// interceptors (InstallScopes) and the filter scoping (ScopeFilter) both
// use them, so a list and a filter over an edge always see the same rows.

// TicketScope is the SQL form of the "read ticket" policy for the viewer:
// nil when the viewer may read every ticket. It must agree with Can for
// every ticket (the consistency test checks it on generated data).
func (en *Enforcer) TicketScope(v auth.Viewer) predicate.Ticket {
	switch {
	case v.IsSystem():
		return nil
	case v.IsCustomer():
		return ticket.And(ticket.CustomerID(v.CustomerID), ticket.Internal(false))
	case v.IsIntegration():
		if hasScope(v, "TICKETS_READ", "TICKETS_WRITE") {
			return nil
		}
		return deny[predicate.Ticket]()
	case !v.IsAgent():
		return deny[predicate.Ticket]()
	case v.Role == agent.RoleADMIN || v.Role == agent.RoleMANAGER:
		return nil
	}
	lead, err := en.LeadTeams(v.AgentID)
	if err != nil {
		// Fail closed: without the policy, no lead teams.
		en.logger().Error("reading the viewer's lead teams for the ticket read scope", "agent", v.AgentID, "error", err)
		lead = nil
	}
	return agentTicketScope(v.AgentID, v.TeamIDs, lead)
}

// CommentScope is the comments of the tickets the viewer may read; for
// customers, their public ones only (internal notes are never shown to
// customers, on any path).
func (en *Enforcer) CommentScope(v auth.Viewer) predicate.Comment {
	var and []predicate.Comment
	if p := en.TicketScope(v); p != nil {
		and = append(and, comment.HasTicketWith(p))
	}
	if !MayReadInternalNotes(v) {
		and = append(and, comment.VisibilityEQ(comment.VisibilityPUBLIC))
	}
	return all(comment.And, and)
}

// MayReadInternalNotes reports whether the viewer may read INTERNAL
// comments of the tickets it may read: staff and integrations may,
// customers' tokens never (on any path: lists, search, history).
func MayReadInternalNotes(v auth.Viewer) bool { return !v.IsCustomer() }

// TicketEventScope is the history of the tickets the viewer may read.
// Customers read no history: it names internal notes and staff.
func (en *Enforcer) TicketEventScope(v auth.Viewer) predicate.TicketEvent {
	if v.IsCustomer() {
		return deny[predicate.TicketEvent]()
	}
	if p := en.TicketScope(v); p != nil {
		return ticketevent.HasTicketWith(p)
	}
	return nil
}

// CustomerScope is the customers the viewer may read: a customer's token
// its own customer, an integration token every customer when it holds a
// customer scope and none otherwise, staff every customer.
func (en *Enforcer) CustomerScope(v auth.Viewer) predicate.Customer {
	switch {
	case v.IsSystem():
		return nil
	case v.IsCustomer():
		return customer.ID(v.CustomerID)
	case v.IsIntegration():
		if hasScope(v, "CUSTOMERS_READ", "CUSTOMERS_WRITE") {
			return nil
		}
		return deny[predicate.Customer]()
	case v.IsAgent():
		return nil
	}
	return deny[predicate.Customer]()
}

// APITokenScope lets administrators (and authentication, as the system)
// read API tokens; nobody else.
func (en *Enforcer) APITokenScope(v auth.Viewer) predicate.APIToken {
	if v.IsSystem() || v.IsAgent() && !v.IsIntegration() && v.Role == agent.RoleADMIN {
		return nil
	}
	return deny[predicate.APIToken]()
}

// TeamMembershipScope hides team rosters from customers' tokens and from
// integration tokens without AGENTS_READ.
func (en *Enforcer) TeamMembershipScope(v auth.Viewer) predicate.TeamMembership {
	if !MayReadStaffContacts(v) {
		return deny[predicate.TeamMembership]()
	}
	return nil
}

// MayReadStaffContacts reports whether the viewer may read what identifies
// staff beyond their names: agents' emails and handles, team rosters, and
// filters over agents. Staff and the system may; customers' tokens never;
// integration tokens only with the AGENTS_READ scope.
func MayReadStaffContacts(v auth.Viewer) bool {
	switch {
	case v.IsCustomer():
		return false
	case v.IsIntegration():
		return hasScope(v, "AGENTS_READ")
	}
	return true
}

// NotificationScope is an agent's own notifications: nobody, the system
// aside, reads another agent's, and tokens read none.
func (en *Enforcer) NotificationScope(v auth.Viewer) predicate.Notification {
	switch {
	case v.IsSystem():
		return nil
	case v.IsAgent() && !v.IsIntegration() && !v.IsCustomer():
		return notification.RecipientID(v.AgentID)
	}
	return deny[predicate.Notification]()
}

// AgentFilterScope is the agents a filter over an edge may match. Agents'
// names stay readable on a customer's own tickets, but their other fields
// (email) are not, so a token that may not read staff contacts (a
// customer's, an integration's without AGENTS_READ) may not filter on
// agents at all. Lists of agents are not scoped: staff read every agent.
func (en *Enforcer) AgentFilterScope(v auth.Viewer) predicate.Agent {
	if v.IsSystem() || (v.IsAgent() || v.IsIntegration()) && MayReadStaffContacts(v) {
		return nil
	}
	return deny[predicate.Agent]()
}

// everything is the scope of entity types every viewer may read
// (teams, categories, tags, calendars, SLA policies): no restriction.
func everything[P ~func(*sql.Selector)](*Enforcer, auth.Viewer) P { return nil }

func hasScope(v auth.Viewer, scopes ...string) bool {
	return slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(v.Scopes, s) })
}

// all combines predicates with and, nil when there are none.
func all[P ~func(*sql.Selector)](and func(...P) P, ps []P) P {
	switch len(ps) {
	case 0:
		return nil
	case 1:
		return ps[0]
	}
	return and(ps...)
}

func deny[P ~func(*sql.Selector)]() P {
	return func(s *sql.Selector) { s.Where(sql.False()) }
}
