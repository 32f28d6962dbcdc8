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
	res, err := TicketResource(ctx, client, v, t)
	if err != nil {
		return false, err
	}
	return en.Can(v, ActRead, TicketDomain(t), res)
}
