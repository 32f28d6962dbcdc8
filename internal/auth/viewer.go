// Package auth identifies who is calling: agents' passwords, the signed
// bearer tokens they log in for, and the viewer carried in the context.
package auth

import (
	"context"

	"helpdesk/ent/agent"
	"helpdesk/internal/gid"
)

// Viewer is the authenticated caller of a request.
type Viewer struct {
	AgentID gid.ID
	Name    string
	Role    agent.Role
	// TeamIDs are the teams the agent is a member of.
	TeamIDs []gid.ID
	// TokenID is the API token a non-agent request came with.
	TokenID gid.ID
	// CustomerID is set for a customer's token: the customer it acts for.
	CustomerID gid.ID
	// Scopes are what an integration token may do (e.g. TICKETS_READ).
	Scopes []string
	system bool
}

// IsCustomer reports whether the viewer is a customer (portal or widget).
func (v Viewer) IsCustomer() bool { return v.CustomerID != "" }

// IsIntegration reports whether the viewer is an integration token.
func (v Viewer) IsIntegration() bool { return v.TokenID != "" && v.CustomerID == "" }

// System is the viewer for changes the service makes on its own behalf
// (demo data, scheduled jobs); it has no agent and may do anything.
var System = Viewer{Name: "system", Role: agent.RoleADMIN, system: true}

// OnBehalfOf is a System viewer that records the given agent as the actor:
// for loaders and automations that act for an agent without being
// subject to the agent's permissions.
func OnBehalfOf(agentID gid.ID, name string, role agent.Role) Viewer {
	return Viewer{AgentID: agentID, Name: name, Role: role, system: true}
}

// IsSystem reports whether v is the System viewer.
func (v Viewer) IsSystem() bool { return v.system }

// IsAgent reports whether the viewer is a logged-in agent.
func (v Viewer) IsAgent() bool { return v.AgentID != "" }

// LogName identifies the viewer in logs: the agent's id, or the API
// token's id with the customer it acts for.
func (v Viewer) LogName() string {
	switch {
	case v.IsCustomer():
		return "token:" + string(v.TokenID) + " customer:" + string(v.CustomerID)
	case v.IsIntegration():
		return "token:" + string(v.TokenID)
	case v.IsSystem() && v.AgentID == "":
		return "system"
	}
	return string(v.AgentID)
}

// ActorID returns the agent id to record as the actor, or nil for System.
func (v Viewer) ActorID() *gid.ID {
	if v.AgentID == "" {
		return nil
	}
	id := v.AgentID
	return &id
}

type viewerKey struct{}

// WithViewer returns a context carrying v.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer in ctx, if the request is authenticated.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok
}
