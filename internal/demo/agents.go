package demo

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
)

// demoAgent is a created agent and the viewer it acts as.
type demoAgent struct {
	id     gid.ID
	key    string
	name   string
	vi     bool // writes to customers in Vietnamese by preference
	viewer auth.Viewer
}

// agentSpecs are the staff. Every account shares AdminPassword so that a
// visitor can log in as anyone; the key is the email's local part.
var agentSpecs = []struct {
	key, name    string
	role         agent.Role
	capacity     int
	timezone     string
	availability agent.Availability
	vi           bool
}{
	{"admin", "Helpdesk Admin", agent.RoleADMIN, 5, officeZone, agent.AvailabilityONLINE, false},
	{"lan.nguyen", "Nguyễn Thị Lan", agent.RoleMANAGER, 15, officeZone, agent.AvailabilityONLINE, true},
	{"david.miller", "David Miller", agent.RoleMANAGER, 15, "Asia/Singapore", agent.AvailabilityAWAY, false},
	{"hung.tran", "Trần Văn Hùng", agent.RoleAGENT, 20, officeZone, agent.AvailabilityONLINE, true},
	{"mai.le", "Lê Thị Mai", agent.RoleAGENT, 15, officeZone, agent.AvailabilityONLINE, true},
	{"tuan.pham", "Phạm Minh Tuấn", agent.RoleAGENT, 12, officeZone, agent.AvailabilityONLINE, true},
	{"sarah.johnson", "Sarah Johnson", agent.RoleAGENT, 10, "Australia/Sydney", agent.AvailabilityOFFLINE, false},
	{"tam.vo", "Võ Thanh Tâm", agent.RoleAGENT, 12, officeZone, agent.AvailabilityONLINE, true},
	{"quynhanh.dang", "Đặng Quỳnh Anh", agent.RoleAGENT, 15, officeZone, agent.AvailabilityOFFLINE, true},
	{"james.carter", "James Carter", agent.RoleAGENT, 8, "Asia/Bangkok", agent.AvailabilityAWAY, false},
}

// membershipSpecs are added in order; position 0 appends, any other
// position inserts there and moves the members below down one.
var membershipSpecs = []struct {
	team, agent string
	position    int
}{
	{teamTechnical, "tuan.pham", 0},
	{teamTechnical, "hung.tran", 0},
	{teamTechnical, "james.carter", 0},
	{teamTechnical, "tam.vo", 2},
	{teamTechnical, "david.miller", 0},
	{teamBilling, "mai.le", 0},
	{teamBilling, "sarah.johnson", 0},
	{teamBilling, "quynhanh.dang", 2},
	{teamBilling, "lan.nguyen", 0},
	{teamOrders, "sarah.johnson", 0},
	{teamOrders, "quynhanh.dang", 0},
	{teamOrders, "hung.tran", 1},
	{teamOrders, "james.carter", 0},
	{teamOrders, "lan.nguyen", 0},
}

// loadAgents creates the staff accounts, sets their availability and puts
// them in their teams.
func (l *loader) loadAgents(ctx context.Context) error {
	created, err := l.createAgents(ctx)
	if err != nil {
		return err
	}
	for i, spec := range agentSpecs {
		a := created[i]
		if spec.availability != agent.AvailabilityOFFLINE {
			if _, err := l.directory.SetAvailability(ctx, a.ID, spec.availability); err != nil {
				return err
			}
		}
		l.agents = append(l.agents, &demoAgent{
			id: a.ID, key: spec.key, name: a.Name, vi: spec.vi,
			viewer: auth.OnBehalfOf(a.ID, a.Name, a.Role),
		})
		l.sum.Agents++
	}
	for _, m := range membershipSpecs {
		l.clock.Advance(3 * time.Minute)
		t, a := l.team(m.team), l.agent(m.agent)
		var position *int
		if m.position > 0 {
			position = ptr(m.position)
		}
		if _, err := l.directory.AddTeamMember(ctx, t.id, a.id, position); err != nil {
			return err
		}
		at := len(t.members)
		if m.position > 0 {
			at = min(m.position-1, len(t.members))
		}
		t.members = slices.Insert(t.members, at, a)
	}
	return nil
}

// agent returns the demo agent with the given key.
func (l *loader) agent(key string) *demoAgent {
	for _, a := range l.agents {
		if a.key == key {
			return a
		}
	}
	panic("demo: no agent " + key)
}

// managers are the agents with the MANAGER role.
func (l *loader) managers() []*demoAgent {
	var out []*demoAgent
	for _, a := range l.agents {
		if a.viewer.Role == agent.RoleMANAGER {
			out = append(out, a)
		}
	}
	return out
}

// firstName is how an agent signs a reply.
func (a *demoAgent) firstName() string {
	parts := strings.Fields(a.name)
	if a.vi {
		return parts[len(parts)-1]
	}
	return parts[0]
}

// createAgents creates the accounts concurrently: hashing a password is
// most of the work, and CreateAgent does it before its short transaction,
// so the hashes use every core. Each call gets its own copy of the
// directory service with a fixed clock, so the accounts' timestamps do
// not depend on which call runs first.
func (l *loader) createAgents(ctx context.Context) ([]*ent.Agent, error) {
	created := make([]*ent.Agent, len(agentSpecs))
	errs := make([]error, len(agentSpecs))
	var wg sync.WaitGroup
	for i, spec := range agentSpecs {
		dir := l.directory
		at := l.clock.Now().Add(time.Duration(i+1) * 13 * time.Minute)
		dir.Now = func() time.Time { return at }
		wg.Go(func() {
			created[i], errs[i] = dir.CreateAgent(ctx, directory.CreateAgentInput{
				Name:     spec.name,
				Email:    spec.key + "@demo.helpdesk",
				Password: AdminPassword,
				Role:     ptr(spec.role),
				Capacity: ptr(spec.capacity),
				Timezone: ptr(spec.timezone),
			})
		})
	}
	wg.Wait()
	l.clock.Advance(time.Duration(len(agentSpecs)+1) * 13 * time.Minute)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return created, nil
}
