package sla

import (
	"context"
	"fmt"
	"slices"

	"helpdesk/ent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/slapolicy"
	"helpdesk/ent/team"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
)

// TicketFacts are what policy conditions look at.
type TicketFacts struct {
	Priority schematype.Priority
	// CategoryPath is the ticket's category and its ancestors, root first.
	CategoryPath []gid.ID
	Channel      string
	CustomerID   *gid.ID
	Organization *string
	TeamID       *gid.ID
}

// Matches reports whether every condition that is set holds for f. Empty
// conditions match nothing: such a policy is chosen only as a fallback.
func Matches(c schematype.SLAConditions, f TicketFacts) bool {
	if c.Empty() {
		return false
	}
	in := func(list []gid.ID, v *gid.ID) bool { return v != nil && slices.Contains(list, *v) }
	switch {
	case len(c.Priorities) > 0 && !slices.Contains(c.Priorities, f.Priority),
		len(c.Channels) > 0 && !slices.Contains(c.Channels, f.Channel),
		len(c.CustomerIDs) > 0 && !in(c.CustomerIDs, f.CustomerID),
		len(c.TeamIDs) > 0 && !in(c.TeamIDs, f.TeamID),
		len(c.Organizations) > 0 && (f.Organization == nil || !slices.Contains(c.Organizations, *f.Organization)),
		len(c.CategoryIDs) > 0 && !slices.ContainsFunc(f.CategoryPath, func(id gid.ID) bool { return slices.Contains(c.CategoryIDs, id) }):
		return false
	}
	return true
}

// PickPolicy chooses a ticket's SLA policy: the first active policy, by
// ascending position, whose conditions match; else the active policy of
// the nearest category on the ticket's path; else the active default
// policy; else none.
func PickPolicy(ctx context.Context, tx *events.Tx, t *ent.Ticket) (*gid.ID, error) {
	policies, err := events.ActiveSLAPolicies(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("loading SLA policies: %w", err)
	}
	if len(policies) == 0 {
		return nil, nil
	}
	f, paths, err := factsOf(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		if Matches(p.Conditions, f) {
			return &p.ID, nil
		}
	}
	for i := len(paths) - 1; i >= 0; i-- {
		if p := paths[i].Edges.SLAPolicy; p != nil && p.Active {
			return &p.ID, nil
		}
	}
	for _, p := range policies {
		if p.IsDefault {
			return &p.ID, nil
		}
	}
	return nil, nil
}

// factsOf reads what the conditions need of a ticket, and its category
// path (root first) with each category's policy.
func factsOf(ctx context.Context, tx *events.Tx, t *ent.Ticket) (TicketFacts, []*ent.Category, error) {
	f := TicketFacts{Priority: t.Priority, Channel: string(t.Channel), CustomerID: t.CustomerID, TeamID: t.TeamID}
	var path []*ent.Category
	next := t.CategoryID
	for next != nil && len(path) < 3 {
		c, err := events.Category(ctx, tx, *next)
		if err != nil {
			return f, nil, fmt.Errorf("loading the ticket's category: %w", err)
		}
		path = append([]*ent.Category{c}, path...)
		f.CategoryPath = append([]gid.ID{c.ID}, f.CategoryPath...)
		next = c.ParentID
	}
	if t.CustomerID != nil {
		c, err := events.Customer(ctx, tx, *t.CustomerID)
		if err != nil && !ent.IsNotFound(err) {
			return f, nil, fmt.Errorf("loading the ticket's customer: %w", err)
		}
		if c != nil {
			f.Organization = c.Organization
		}
	}
	return f, path, nil
}

// policyAndCalendar loads the ticket's policy and the calendar its clocks
// count in: the policy's, else the ticket's team's, else 24×7. They are
// read once per transaction (events.Remember).
func policyAndCalendar(ctx context.Context, tx *events.Tx, t *ent.Ticket) (*ent.SLAPolicy, *Calendar, error) {
	if t.SLAPolicyID == nil {
		return nil, AlwaysOpen(), nil
	}
	key := "sla.policy:" + string(*t.SLAPolicyID)
	if t.TeamID != nil {
		key += ":team:" + string(*t.TeamID)
	}
	v, err := events.Remember(tx, key, func() (policyCalendar, error) {
		p, cal, err := readPolicyAndCalendar(ctx, tx, t)
		return policyCalendar{p, cal}, err
	})
	return v.policy, v.calendar, err
}

type policyCalendar struct {
	policy   *ent.SLAPolicy
	calendar *Calendar
}

// readPolicyAndCalendar finds an active policy among those the
// transaction read already (a new ticket's, above all), and reads an
// inactive one.
func readPolicyAndCalendar(ctx context.Context, tx *events.Tx, t *ent.Ticket) (*ent.SLAPolicy, *Calendar, error) {
	active, err := events.ActiveSLAPolicies(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	var p *ent.SLAPolicy
	var bc *ent.BusinessCalendar
	if i := slices.IndexFunc(active, func(p *ent.SLAPolicy) bool { return p.ID == *t.SLAPolicyID }); i >= 0 {
		p = active[i]
		if bc, err = p.QueryCalendar().Only(ctx); err != nil && !ent.IsNotFound(err) {
			return nil, nil, fmt.Errorf("loading the SLA policy's calendar: %w", err)
		}
	} else {
		if p, err = tx.SLAPolicy.Query().Where(slapolicy.ID(*t.SLAPolicyID)).WithCalendar().Only(ctx); err != nil {
			return nil, nil, fmt.Errorf("loading the ticket's SLA policy: %w", err)
		}
		bc = p.Edges.Calendar
	}
	if bc == nil && t.TeamID != nil {
		bc, err = tx.Team.Query().Where(team.ID(*t.TeamID)).QueryCalendar().Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return nil, nil, fmt.Errorf("loading the team's calendar: %w", err)
		}
	}
	cal, err := calendarOf(bc)
	return p, cal, err
}

// calendarOf builds a stored calendar; nil is 24×7.
func calendarOf(bc *ent.BusinessCalendar) (*Calendar, error) {
	if bc == nil {
		return AlwaysOpen(), nil
	}
	return NewCalendar(bc.Timezone, bc.WeeklyHours, bc.Holidays)
}
