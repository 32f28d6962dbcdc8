package directory

import (
	"context"
	"fmt"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/businesscalendar"
	"helpdesk/ent/team"
	"helpdesk/ent/teammembership"
	"helpdesk/internal/apperr"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
)

// CreateTeamInput is a new team.
type CreateTeamInput struct {
	Name               string
	Description        *string
	IsDefault          *bool
	AssignmentStrategy *team.AssignmentStrategy
	CalendarID         *gid.ID
	EscalationTeamID   *gid.ID
	TeamOptions
}

// TeamOptions are a team's workflow settings; nil means the default (on
// create) or unchanged (on update).
type TeamOptions struct {
	// WaitingCountsAsActive: members' WAITING tickets count against their
	// capacity (default true).
	WaitingCountsAsActive *bool
	// RequeueWhenOffline: a member going OFFLINE hands their OPEN tickets
	// of the team back to its queue (default false).
	RequeueWhenOffline *bool
	// EscalationRaisesPriority: escalating a ticket of the team raises its
	// priority one step (default false).
	EscalationRaisesPriority *bool
}

// UpdateTeamInput lists the fields to change; nil means unchanged.
type UpdateTeamInput struct {
	Name                *string
	Description         *string
	IsDefault           *bool
	AssignmentStrategy  *team.AssignmentStrategy
	CalendarID          *gid.ID
	ClearCalendar       *bool
	EscalationTeamID    *gid.ID
	ClearEscalationTeam *bool
	TeamOptions
}

// CreateTeam adds a team. Marking it default unmarks the previous default.
func (s *Service) CreateTeam(ctx context.Context, in CreateTeamInput) (*ent.Team, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	name, err := input.Text("input.name", in.Name, 200)
	if err != nil {
		return nil, err
	}
	strategy := team.AssignmentStrategyPRIORITY
	if in.AssignmentStrategy != nil {
		if err := team.AssignmentStrategyValidator(*in.AssignmentStrategy); err != nil {
			return nil, apperr.Invalid("input.assignmentStrategy", "%q is not a valid strategy", *in.AssignmentStrategy)
		}
		strategy = *in.AssignmentStrategy
	}
	var created *ent.Team
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		if err := teamNameFree(ctx, tx, "", name); err != nil {
			return err
		}
		if in.CalendarID != nil {
			if err := calendarExists(ctx, tx, *in.CalendarID); err != nil {
				return err
			}
		}
		if in.EscalationTeamID != nil {
			if err := teamExists(ctx, tx, "input.escalationTeamID", *in.EscalationTeamID); err != nil {
				return err
			}
		}
		isDefault := in.IsDefault != nil && *in.IsDefault
		if isDefault {
			if err := tx.Team.Update().Where(team.IsDefault(true)).SetIsDefault(false).Exec(ctx); err != nil {
				return fmt.Errorf("unmarking default team: %w", err)
			}
		}
		now := s.Now().UTC()
		created, err = tx.Team.Create().
			SetName(name).
			SetDescription(deref(in.Description)).
			SetIsDefault(isDefault).
			SetAssignmentStrategy(strategy).
			SetNillableCalendarID(in.CalendarID).
			SetNillableEscalationTeamID(in.EscalationTeamID).
			SetNillableWaitingCountsAsActive(in.WaitingCountsAsActive).
			SetNillableRequeueWhenOffline(in.RequeueWhenOffline).
			SetNillableEscalationRaisesPriority(in.EscalationRaisesPriority).
			SetCreatedAt(now).SetUpdatedAt(now).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("creating team: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created.Unwrap(), nil
}

// UpdateTeam changes a team's settings.
func (s *Service) UpdateTeam(ctx context.Context, id gid.ID, in UpdateTeamInput) (*ent.Team, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	var updated *ent.Team
	err := s.withQueue(ctx, func(tx *ent.Tx, q *queueWork) error {
		before, err := tx.Team.Get(ctx, id)
		if ent.IsNotFound(err) {
			return apperr.NotFound("no team with id %q", id)
		}
		if err != nil {
			return fmt.Errorf("loading team: %w", err)
		}
		upd := tx.Team.UpdateOneID(id).SetUpdatedAt(s.Now().UTC()).
			SetNillableWaitingCountsAsActive(in.WaitingCountsAsActive).
			SetNillableRequeueWhenOffline(in.RequeueWhenOffline).
			SetNillableEscalationRaisesPriority(in.EscalationRaisesPriority)
		if in.Name != nil {
			name, err := input.Text("input.name", *in.Name, 200)
			if err != nil {
				return err
			}
			if err := teamNameFree(ctx, tx, id, name); err != nil {
				return err
			}
			upd.SetName(name)
		}
		if in.Description != nil {
			upd.SetDescription(*in.Description)
		}
		if in.AssignmentStrategy != nil {
			if err := team.AssignmentStrategyValidator(*in.AssignmentStrategy); err != nil {
				return apperr.Invalid("input.assignmentStrategy", "%q is not a valid strategy", *in.AssignmentStrategy)
			}
			upd.SetAssignmentStrategy(*in.AssignmentStrategy)
		}
		if in.IsDefault != nil {
			if *in.IsDefault {
				if err := tx.Team.Update().Where(team.IsDefault(true), team.IDNEQ(id)).SetIsDefault(false).Exec(ctx); err != nil {
					return fmt.Errorf("unmarking default team: %w", err)
				}
			}
			upd.SetIsDefault(*in.IsDefault)
		}
		switch {
		case in.CalendarID != nil:
			if err := calendarExists(ctx, tx, *in.CalendarID); err != nil {
				return err
			}
			upd.SetCalendarID(*in.CalendarID)
			q.calendarChanged = append(q.calendarChanged, id)
		case in.ClearCalendar != nil && *in.ClearCalendar:
			upd.ClearCalendar()
			q.calendarChanged = append(q.calendarChanged, id)
		}
		switch {
		case in.EscalationTeamID != nil:
			if *in.EscalationTeamID == id {
				return apperr.Invalid("input.escalationTeamID", "a team cannot escalate to itself")
			}
			if err := teamExists(ctx, tx, "input.escalationTeamID", *in.EscalationTeamID); err != nil {
				return err
			}
			upd.SetEscalationTeamID(*in.EscalationTeamID)
		case in.ClearEscalationTeam != nil && *in.ClearEscalationTeam:
			upd.ClearEscalationTeam()
		}
		updated, err = upd.Save(ctx)
		if err != nil {
			return fmt.Errorf("updating team: %w", err)
		}
		// A team that starts assigning, or stops counting WAITING tickets,
		// may have members free for its queue now.
		if before.AssignmentStrategy == team.AssignmentStrategyMANUAL && updated.AssignmentStrategy != before.AssignmentStrategy ||
			before.WaitingCountsAsActive && !updated.WaitingCountsAsActive {
			members, err := orderedMembers(ctx, tx, id)
			if err != nil {
				return err
			}
			for _, m := range members {
				q.mayBeFree = append(q.mayBeFree, m.AgentID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return updated.Unwrap(), nil
}

// AddTeamMember puts an agent in a team at the given position (1 is
// first; default last); members at or after it move down one.
func (s *Service) AddTeamMember(ctx context.Context, teamID, agentID gid.ID, priority *int) (*ent.Team, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	err := s.withQueue(ctx, func(tx *ent.Tx, q *queueWork) error {
		if err := teamTarget(ctx, tx, teamID); err != nil {
			return err
		}
		q.mayBeFree = append(q.mayBeFree, agentID)
		ok, err := tx.Agent.Query().Where(agent.ID(agentID)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("checking agent: %w", err)
		}
		if !ok {
			return apperr.Invalid("agentID", "no agent with this id")
		}
		members, err := orderedMembers(ctx, tx, teamID)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.AgentID == agentID {
				return apperr.Conflict("the agent is already a member of this team")
			}
		}
		pos := len(members) + 1
		if priority != nil {
			if *priority < 1 {
				return apperr.Invalid("priority", "must be 1 or more")
			}
			pos = min(*priority, len(members)+1)
		}
		now := s.Now().UTC()
		m, err := tx.TeamMembership.Create().
			SetTeamID(teamID).SetAgentID(agentID).SetPriority(pos).
			SetCreatedAt(now).SetUpdatedAt(now).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("adding team member: %w", err)
		}
		order := append(append(append([]*ent.TeamMembership{}, members[:pos-1]...), m), members[pos-1:]...)
		return renumber(ctx, tx, order)
	})
	if err != nil {
		return nil, err
	}
	return s.Client.Team.Get(ctx, teamID)
}

// SetTeamMemberPriority moves a member to a position (1 is first); the
// members in between shift by one. Positions stay 1…n without gaps.
func (s *Service) SetTeamMemberPriority(ctx context.Context, teamID, agentID gid.ID, priority int) (*ent.Team, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	if priority < 1 {
		return nil, apperr.Invalid("priority", "must be 1 or more")
	}
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		if err := teamTarget(ctx, tx, teamID); err != nil {
			return err
		}
		members, err := orderedMembers(ctx, tx, teamID)
		if err != nil {
			return err
		}
		idx := memberIndex(members, agentID)
		if idx < 0 {
			return apperr.NotFound("the agent is not a member of this team")
		}
		moved := members[idx]
		rest := append(append([]*ent.TeamMembership{}, members[:idx]...), members[idx+1:]...)
		pos := min(priority, len(members))
		order := append(append(append([]*ent.TeamMembership{}, rest[:pos-1]...), moved), rest[pos-1:]...)
		return renumber(ctx, tx, order)
	})
	if err != nil {
		return nil, err
	}
	return s.Client.Team.Get(ctx, teamID)
}

// RemoveTeamMember takes an agent out of a team; the members after it move up.
func (s *Service) RemoveTeamMember(ctx context.Context, teamID, agentID gid.ID) (*ent.Team, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		if err := teamTarget(ctx, tx, teamID); err != nil {
			return err
		}
		members, err := orderedMembers(ctx, tx, teamID)
		if err != nil {
			return err
		}
		idx := memberIndex(members, agentID)
		if idx < 0 {
			return apperr.NotFound("the agent is not a member of this team")
		}
		if err := tx.TeamMembership.DeleteOne(members[idx]).Exec(ctx); err != nil {
			return fmt.Errorf("removing team member: %w", err)
		}
		return renumber(ctx, tx, append(members[:idx:idx], members[idx+1:]...))
	})
	if err != nil {
		return nil, err
	}
	return s.Client.Team.Get(ctx, teamID)
}

func orderedMembers(ctx context.Context, tx *ent.Tx, teamID gid.ID) ([]*ent.TeamMembership, error) {
	members, err := tx.TeamMembership.Query().
		Where(teammembership.TeamID(teamID)).
		Order(ent.Asc(teammembership.FieldPriority), ent.Asc(teammembership.FieldCreatedAt)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading team members: %w", err)
	}
	return members, nil
}

// renumber writes positions 1…n in the given order, touching only rows
// whose position changes.
func renumber(ctx context.Context, tx *ent.Tx, order []*ent.TeamMembership) error {
	for i, m := range order {
		if m.Priority == i+1 {
			continue
		}
		if err := tx.TeamMembership.UpdateOne(m).SetPriority(i + 1).Exec(ctx); err != nil {
			return fmt.Errorf("reordering team members: %w", err)
		}
	}
	return nil
}

func memberIndex(members []*ent.TeamMembership, agentID gid.ID) int {
	for i, m := range members {
		if m.AgentID == agentID {
			return i
		}
	}
	return -1
}

func teamTarget(ctx context.Context, tx *ent.Tx, id gid.ID) error {
	ok, err := tx.Team.Query().Where(team.ID(id)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("loading team: %w", err)
	}
	if !ok {
		return apperr.NotFound("no team with id %q", id)
	}
	return nil
}

func teamExists(ctx context.Context, tx *ent.Tx, field string, id gid.ID) error {
	ok, err := tx.Team.Query().Where(team.ID(id)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("checking team: %w", err)
	}
	if !ok {
		return apperr.Invalid(field, "no team with this id")
	}
	return nil
}

func calendarExists(ctx context.Context, tx *ent.Tx, id gid.ID) error {
	ok, err := tx.BusinessCalendar.Query().Where(businesscalendar.ID(id)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("checking calendar: %w", err)
	}
	if !ok {
		return apperr.Invalid("input.calendarID", "no business calendar with this id")
	}
	return nil
}

func teamNameFree(ctx context.Context, tx *ent.Tx, self gid.ID, name string) error {
	q := tx.Team.Query().Where(team.NameEqualFold(name))
	if self != "" {
		q = q.Where(team.IDNEQ(self))
	}
	taken, err := q.Exist(ctx)
	if err != nil {
		return fmt.Errorf("checking team name: %w", err)
	}
	if taken {
		return apperr.Conflict("a team named %q already exists", name)
	}
	return nil
}
