package authz

import (
	"context"
	"fmt"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/teammembership"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// AgentViewer returns the viewer an agent is when logged in (role and
// teams), read through client (a transaction's client reads its own
// writes). ok is false for an unknown or deactivated agent.
func AgentViewer(ctx context.Context, client *ent.Client, agentID gid.ID) (v auth.Viewer, ok bool, err error) {
	ctx = system(ctx)
	a, err := client.Agent.Query().Where(agent.ID(agentID), agent.Active(true)).Only(ctx)
	if ent.IsNotFound(err) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("loading agent %s: %w", agentID, err)
	}
	teams, err := client.TeamMembership.Query().Where(teammembership.AgentID(agentID)).
		Select(teammembership.FieldTeamID).Strings(ctx)
	if err != nil {
		return v, false, fmt.Errorf("loading the teams of agent %s: %w", agentID, err)
	}
	v = auth.Viewer{AgentID: a.ID, Name: a.Name, Role: a.Role}
	for _, t := range teams {
		v.TeamIDs = append(v.TeamIDs, gid.ID(t))
	}
	return v, true, nil
}

// AgentCanRead reports whether an active agent may read the ticket, as
// the ticket now stands in client's view.
func (en *Enforcer) AgentCanRead(ctx context.Context, client *ent.Client, agentID gid.ID, t *ent.Ticket) (bool, error) {
	v, ok, err := AgentViewer(ctx, client, agentID)
	if err != nil || !ok {
		return false, err
	}
	// Whether the agent watches the ticket or is mentioned in it takes a
	// query each: they are asked only when the answer depends on them
	// (the ticket's assignee, say, reads it whatever they are).
	dom, res := TicketDomain(t), baseTicketResource(v, t)
	var answers [4]bool
	for i := range answers {
		res.Watching, res.Mentioned = i&1 != 0, i&2 != 0
		if answers[i], err = en.Can(v, ActRead, dom, res); err != nil {
			return false, err
		}
	}
	if answers == [4]bool{} || answers == [4]bool{true, true, true, true} {
		return answers[0], nil
	}
	if res, err = TicketResource(ctx, client, v, t); err != nil {
		return false, err
	}
	return en.Can(v, ActRead, dom, res)
}
