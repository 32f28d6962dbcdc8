package authz

import (
	"context"

	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
)

// Viewer returns the viewer a service acts for: the one in ctx. Services
// never take a viewer any other way, so the viewer the policy checks is
// the one the SQL read scopes see. A context without one is refused.
func Viewer(ctx context.Context) (auth.Viewer, error) {
	v, ok := auth.ViewerFrom(ctx)
	if !ok {
		return auth.Viewer{}, apperr.Unauthenticated("authentication required")
	}
	return v, nil
}

// Check is the entry point services call before they read or write on
// behalf of someone: it answers FORBIDDEN unless the viewer in ctx may
// perform act on obj in domain dom (a team's id, or NoDomain).
func (en *Enforcer) Check(ctx context.Context, act, dom string, obj Resource) (auth.Viewer, error) {
	v, err := Viewer(ctx)
	if err != nil {
		return v, err
	}
	return v, en.Require(v, act, dom, obj)
}

// CheckConfig is Check for objects that belong to no team: the helpdesk's
// configuration, customers, roles.
func (en *Enforcer) CheckConfig(ctx context.Context, act, objType string) (auth.Viewer, error) {
	return en.Check(ctx, act, NoDomain, Resource{Type: objType})
}

// CheckSelfOrConfig lets an agent act on their own account, and anyone
// who may change the configuration act on any agent's.
func (en *Enforcer) CheckSelfOrConfig(ctx context.Context, agentID string) (auth.Viewer, error) {
	v, err := Viewer(ctx)
	if err != nil {
		return v, err
	}
	if v.IsAgent() && !v.IsIntegration() && string(v.AgentID) == agentID {
		return v, nil
	}
	return v, en.Require(v, ActWrite, NoDomain, Resource{Type: ObjConfig})
}
