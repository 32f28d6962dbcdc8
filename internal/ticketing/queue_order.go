package ticketing

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/contrib/entgql"
	entsql "entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/predicate"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
)

// queueOrder is the one definition of a team queue's order: most urgent
// first, then oldest; the ticket's id breaks ties (entgql's pagination
// adds it as its default order, queueTerms explicitly). Pull-on-free
// hands queued tickets out in this order, and teamQueue lists them in it.
var queueOrder = []struct {
	field *ent.TicketOrderField
	term  func(...entsql.OrderTermOption) ticket.OrderOption
}{
	{ent.TicketOrderFieldPriorityRank, ticket.ByPriorityRank},
	{ent.TicketOrderFieldCreatedAt, ticket.ByCreatedAt},
}

// QueueOrder is queueOrder as a connection's ordering.
func QueueOrder() []*ent.TicketOrder {
	out := make([]*ent.TicketOrder, len(queueOrder))
	for i, o := range queueOrder {
		out[i] = &ent.TicketOrder{Field: o.field, Direction: entgql.OrderDirectionAsc}
	}
	return out
}

// queueTerms is queueOrder as a query's ordering.
func queueTerms() []ticket.OrderOption {
	out := make([]ticket.OrderOption, 0, len(queueOrder)+1)
	for _, o := range queueOrder {
		out = append(out, o.term())
	}
	return append(out, ticket.ByID())
}

// queued matches the tickets waiting in the queues of the given teams:
// UNASSIGNED and with nobody assigned.
func queued(teamIDs ...gid.ID) predicate.Ticket {
	return ticket.And(ticket.StatusEQ(ticket.StatusUNASSIGNED), ticket.AssigneeIDIsNil(), ticket.TeamIDIn(teamIDs...))
}

// TeamQueue returns the query of a team's queue — its UNASSIGNED tickets,
// to be read in QueueOrder, the order in which members who become free
// receive them — for the viewer in ctx. Reading it takes the right to
// read the team's unassigned tickets: its members and leads, managers,
// administrators and integration tokens that read tickets may; anyone
// else is FORBIDDEN. The read scope still applies to the rows.
func (s *Service) TeamQueue(ctx context.Context, teamID gid.ID) (*ent.TicketQuery, error) {
	viewer, err := authz.Viewer(ctx)
	if err != nil {
		return nil, err
	}
	res := authz.Resource{Type: authz.ObjTicket, Unassigned: true, InMyTeam: slices.Contains(viewer.TeamIDs, teamID)}
	if err := s.Authz.Require(viewer, authz.ActRead, string(teamID), res); err != nil {
		return nil, err
	}
	exists, err := s.Client.Team.Query().Where(team.ID(teamID)).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking the team: %w", err)
	}
	if !exists {
		return nil, apperr.NotFound("no team with id %q", teamID)
	}
	return s.Client.Ticket.Query().Where(queued(teamID)), nil
}
