package directory

import (
	"context"
	"fmt"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/team"
	"helpdesk/ent/teammembership"
	"helpdesk/internal/apperr"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
)

// GrantRole gives an agent a global role (ADMIN, MANAGER or AGENT).
func (s *Service) GrantRole(ctx context.Context, agentID gid.ID, role agent.Role) (*ent.Agent, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjRoles); err != nil {
		return nil, err
	}
	return s.updateAgent(ctx, agentID, UpdateAgentInput{Role: &role})
}

// RevokeRole takes a global role away from an agent, who becomes a plain
// AGENT; revoking a role the agent does not hold changes nothing.
func (s *Service) RevokeRole(ctx context.Context, agentID gid.ID, role agent.Role) (*ent.Agent, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjRoles); err != nil {
		return nil, err
	}
	demoted := agent.RoleAGENT
	return s.updateAgent(ctx, agentID, UpdateAgentInput{Role: &demoted, onlyIfRole: &role})
}

// SetTeamLead makes a member of a team its lead, or takes the lead role
// away. The membership check and the stored rule commit together; the
// policy is reloaded (here and on other replicas) once they have.
func (s *Service) SetTeamLead(ctx context.Context, teamID, agentID gid.ID, lead bool) (*ent.Team, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjRoles); err != nil {
		return nil, err
	}
	var t *ent.Team
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		var err error
		t, err = tx.Team.Query().Where(team.ID(teamID)).Only(ctx)
		if ent.IsNotFound(err) {
			return apperr.NotFound("no team with id %q", teamID)
		}
		if err != nil {
			return fmt.Errorf("loading team: %w", err)
		}
		if lead {
			member, err := tx.TeamMembership.Query().
				Where(teammembership.TeamID(teamID), teammembership.AgentID(agentID)).Exist(ctx)
			if err != nil {
				return fmt.Errorf("checking team membership: %w", err)
			}
			if !member {
				return apperr.Invalid("agentID", "a team lead must be a member of the team")
			}
		}
		return s.Authz.SetTeamLeadTx(ctx, tx, agentID, teamID, lead)
	})
	if err != nil {
		return nil, err
	}
	if err := s.Authz.Reload(); err != nil {
		return nil, err
	}
	return t.Unwrap(), nil
}

// RoleAssignments lists every role held: each agent's global role, and
// each team lead.
func (s *Service) RoleAssignments(ctx context.Context) ([]*authz.RoleAssignment, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActRead, authz.ObjRoles); err != nil {
		return nil, err
	}
	agents, err := s.Client.Agent.Query().Order(ent.Asc(agent.FieldName)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing agents: %w", err)
	}
	var out []*authz.RoleAssignment
	for _, a := range agents {
		out = append(out, &authz.RoleAssignment{AgentID: a.ID, Role: string(a.Role)})
	}
	leads, err := s.Authz.TeamLeads()
	if err != nil {
		return nil, err
	}
	for _, l := range leads {
		team := l[1]
		out = append(out, &authz.RoleAssignment{AgentID: l[0], Role: authz.RoleLead, TeamID: &team})
	}
	return out, nil
}
