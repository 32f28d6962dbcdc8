package demo

import (
	"context"
	"time"

	"helpdesk/ent/team"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
)

// Names of the demo teams, which agents and categories refer to.
const (
	teamTechnical = "Technical Support"
	teamBilling   = "Billing"
	teamOrders    = "Orders & Delivery"
)

// demoTeam is a created team and its members in priority order.
type demoTeam struct {
	id        gid.ID
	name      string
	isDefault bool
	members   []*demoAgent
}

// teamSpecs are created in order; a team may only escalate to one before it.
var teamSpecs = []struct {
	name, description string
	strategy          team.AssignmentStrategy
	isDefault         bool
	officeHours       bool
	escalateTo        string
}{
	{teamTechnical, "Apps, website, accounts and integrations.", team.AssignmentStrategyPRIORITY, false, true, ""},
	{teamBilling, "Invoices, refunds, payments and contracts.", team.AssignmentStrategyLEAST_LOADED, false, true, ""},
	{teamOrders, "Order status, deliveries, returns and exchanges; the first line for anything else.",
		team.AssignmentStrategyROUND_ROBIN, true, false, teamBilling},
}

// loadTeams creates the three teams; their members come with the agents.
func (l *loader) loadTeams(ctx context.Context) error {
	for _, spec := range teamSpecs {
		l.clock.Advance(11 * time.Minute)
		in := directory.CreateTeamInput{
			Name:               spec.name,
			Description:        ptr(spec.description),
			IsDefault:          ptr(spec.isDefault),
			AssignmentStrategy: ptr(spec.strategy),
		}
		if spec.officeHours {
			in.CalendarID = &l.calendarID
		}
		if spec.escalateTo != "" {
			in.EscalationTeamID = &l.team(spec.escalateTo).id
		}
		t, err := l.directory.CreateTeam(ctx, in)
		if err != nil {
			return err
		}
		l.teams = append(l.teams, &demoTeam{id: t.ID, name: t.Name, isDefault: t.IsDefault})
		l.sum.Teams++
	}
	return nil
}

// team returns the demo team with the given name.
func (l *loader) team(name string) *demoTeam {
	for _, t := range l.teams {
		if t.name == name {
			return t
		}
	}
	panic("demo: no team named " + name)
}

// teamByID returns the demo team with the given id.
func (l *loader) teamByID(id gid.ID) *demoTeam {
	for _, t := range l.teams {
		if t.id == id {
			return t
		}
	}
	panic("demo: no team " + string(id))
}

// defaultTeam is where the service routes a ticket nothing else routes.
func (l *loader) defaultTeam() *demoTeam {
	for _, t := range l.teams {
		if t.isDefault {
			return t
		}
	}
	return l.teams[0]
}

// pickMember chooses a member for a ticket, favouring the members at the
// top of the team's priority order as the PRIORITY strategy would.
func (t *demoTeam) pickMember(l *loader) *demoAgent {
	weights := make([]int, len(t.members))
	for i := range t.members {
		weights[i] = len(t.members) - i + 2
	}
	return t.members[l.weighted(weights)]
}

// otherMember is a member of t other than a, for transfers.
func (t *demoTeam) otherMember(l *loader, a *demoAgent) *demoAgent {
	for {
		if m := t.pickMember(l); m != a || len(t.members) < 2 {
			return m
		}
	}
}
