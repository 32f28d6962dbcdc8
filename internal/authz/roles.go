package authz

import "helpdesk/internal/gid"

// RoleAssignment is one role an agent holds: a global role (Team empty) or
// LEAD in a team.
type RoleAssignment struct {
	AgentID gid.ID
	Role    string
	TeamID  *gid.ID
}
