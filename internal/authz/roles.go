package authz

import (
	"context"
	"fmt"

	"helpdesk/ent"
	"helpdesk/internal/gid"
)

// RoleAssignment is one role an agent holds: a global role (Team empty) or
// LEAD in a team.
type RoleAssignment struct {
	AgentID gid.ID
	Role    string
	TeamID  *gid.ID
}

// SetTeamLeadTx grants or takes away an agent's lead role in a team on
// tx, so the change commits with the checks made on the same
// transaction. The enforcer learns of it through Reload, once tx has
// committed.
func (en *Enforcer) SetTeamLeadTx(ctx context.Context, tx *ent.Tx, agentID, teamID gid.ID, lead bool) error {
	rule := []string{string(agentID), RoleLead, string(teamID)}
	if err := (&Adapter{Client: tx.Client()}).removeWhere("g", 0, rule); err != nil {
		return err
	}
	if lead {
		return create(ctx, tx.Client(), "g", rule)
	}
	return nil
}

// Reload reads the stored policy again after a change committed outside
// Casbin's own calls, and tells the other replicas to do the same.
func (en *Enforcer) Reload() error {
	if err := en.e.LoadPolicy(); err != nil {
		return fmt.Errorf("reloading the authorization policy: %w", err)
	}
	if en.watcher != nil {
		if err := en.watcher.Update(); err != nil {
			return fmt.Errorf("announcing the policy change: %w", err)
		}
	}
	return nil
}
