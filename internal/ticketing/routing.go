package ticketing

import (
	"context"
	"fmt"

	"helpdesk/ent"
	"helpdesk/ent/customer"
	"helpdesk/ent/routingrule"
	"helpdesk/ent/ticket"
	"helpdesk/internal/gid"
	"helpdesk/internal/workflow"
)

// matchRule returns the first active routing rule, in order, that
// matches the ticket (workflow.FirstMatch), or nil. cust is the ticket's
// customer when the caller has read it already.
func (s *Service) matchRule(ctx context.Context, tx *ent.Tx, t workflow.Ticket, cust *ent.Customer) (*workflow.Rule, error) {
	rows, err := tx.RoutingRule.Query().Where(routingrule.Active(true)).
		Order(ent.Asc(routingrule.FieldPosition), ent.Asc(routingrule.FieldCreatedAt)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading routing rules: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if cust != nil {
		t.Organization = cust.Organization
	} else if t.CustomerID != nil {
		c, err := tx.Customer.Query().Where(customer.ID(*t.CustomerID)).Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return nil, fmt.Errorf("loading the ticket's customer: %w", err)
		}
		if c != nil {
			t.Organization = c.Organization
		}
	}
	rules := make([]workflow.Rule, len(rows))
	for i, r := range rows {
		rules[i] = workflow.Rule{ID: r.ID, Channels: r.Channels, CustomerID: r.CustomerID, Organization: r.Organization,
			CategoryID: r.CategoryID, Tags: r.Tags, TitleWords: r.TitleWords, TeamID: r.TeamID, Priority: r.Priority, AddTags: r.AddTags}
	}
	return workflow.FirstMatch(rules, t), nil
}

// workflowTicket describes a ticket for the routing rules.
func workflowTicket(channel ticket.Channel, customerID *gid.ID, path []*ent.Category, tags []string, title string) workflow.Ticket {
	t := workflow.Ticket{Channel: string(channel), CustomerID: customerID, Tags: tags, Title: title}
	for _, c := range path {
		t.CategoryPath = append(t.CategoryPath, c.ID)
	}
	return t
}

// reroute routes an unassigned ticket again when an update changes its
// category without naming a team or an assignee: the first matching
// routing rule's team, else the new category's team, else the default
// team. The assignment then follows the new team's strategy.
func (s *Service) reroute(ctx context.Context, tx *ent.Tx, t *ent.Ticket, in UpdateTicketInput,
	upd *ent.TicketUpdateOne, ch *changeSet) error {
	if in.CategoryID == nil && !isTrue(in.ClearCategory) || in.TeamID != nil || isTrue(in.ClearTeam) ||
		t.AssigneeID != nil || in.AssigneeID != nil {
		return nil
	}
	var path []*ent.Category
	if in.CategoryID != nil {
		var err error
		if path, err = categoryPath(ctx, tx, "input.categoryID", *in.CategoryID); err != nil {
			return err
		}
	}
	channel, customerID, title := t.Channel, t.CustomerID, t.Title
	if in.Channel != nil {
		channel = *in.Channel
	}
	if in.CustomerID != nil {
		customerID = in.CustomerID
	}
	if in.Title != nil {
		title = *in.Title
	}
	var tags []string
	for _, tg := range t.Edges.Tags {
		tags = append(tags, tg.Name)
	}
	rule, err := s.matchRule(ctx, tx, workflowTicket(channel, customerID, path, tags, title), nil)
	if err != nil {
		return err
	}
	teamID, err := s.routeTeam(ctx, tx, nil, path, rule)
	if err != nil || teamID == nil || t.TeamID != nil && *t.TeamID == *teamID {
		return err
	}
	upd.SetTeamID(*teamID)
	ch.addID("team", t.TeamID, teamID)
	return nil
}
