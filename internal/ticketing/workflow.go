package ticketing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/teammembership"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
	"helpdesk/internal/workflow"
)

const maxWorkflowNote = 2000

// AssignTicket gives a ticket to an agent, or to nobody (nil returns it
// to its team queue). Leads may assign within their team, managers and
// administrators anywhere. It is recorded as ASSIGNED or UNASSIGNED.
// A deliberate assignment may take an agent past their capacity; only
// automatic assignment and claims respect it.
func (s *Service) AssignTicket(ctx context.Context, id gid.ID, assigneeID *gid.ID) (*ent.Ticket, error) {
	return s.workflowChange(ctx, id, func(etx *events.Tx, viewer auth.Viewer, t *ent.Ticket, now time.Time) (*ent.Ticket, error) {
		res, err := authz.TicketResource(ctx, etx.Client(), viewer, t)
		if err != nil {
			return nil, err
		}
		res.TargetInTeam = true
		if assigneeID != nil {
			if res.TargetInTeam, err = inTeam(ctx, etx.Tx, t.TeamID, *assigneeID); err != nil {
				return nil, err
			}
		}
		if err := s.Authz.Require(viewer, authz.ActAssign, authz.TicketDomain(t), res); err != nil {
			return nil, err
		}
		if assigneeID == nil {
			return s.unassign(ctx, etx, viewer, t, ticketevent.KindUNASSIGNED, nil, now)
		}
		if err := s.lockAgent(ctx, etx.Tx, *assigneeID); err != nil {
			return nil, err
		}
		if err := checkAgent(ctx, etx.Tx, "assigneeID", *assigneeID); err != nil {
			return nil, err
		}
		if t.AssigneeID != nil && *t.AssigneeID == *assigneeID {
			return t, nil
		}
		return s.giveTo(ctx, etx, viewer, t, *assigneeID, ticketevent.KindASSIGNED, nil, now)
	})
}

// ClaimTicket gives an unassigned ticket of one of the viewer's teams to
// the viewer. Of two agents claiming at once, the first wins and the
// other gets CONFLICT; so does an agent at capacity. It is recorded as
// CLAIMED.
func (s *Service) ClaimTicket(ctx context.Context, id gid.ID) (*ent.Ticket, error) {
	return s.workflowChangeOf(ctx, id, true, func(etx *events.Tx, viewer auth.Viewer, t *ent.Ticket, now time.Time) (*ent.Ticket, error) {
		if !viewer.IsAgent() || viewer.IsIntegration() {
			return nil, apperr.Forbidden("only agents claim tickets")
		}
		me := viewer.AgentID
		res, err := authz.TicketResource(ctx, etx.Client(), viewer, t)
		if err != nil {
			return nil, err
		}
		member, err := inTeam(ctx, etx.Tx, t.TeamID, me)
		if err != nil {
			return nil, err
		}
		if !member {
			// Outside the ticket's team, a ticket the viewer may not read
			// does not exist for them.
			if ok, err := s.Authz.Can(viewer, authz.ActRead, authz.TicketDomain(t), res); err != nil || !ok {
				return nil, errors.Join(err, apperr.NotFound("no ticket with id %q", t.ID))
			}
			return nil, apperr.Forbidden("you may only claim tickets of your own teams")
		}
		if t.AssigneeID != nil && *t.AssigneeID == me {
			return t, nil
		}
		// A member who lost the race learns only that it is taken.
		if t.AssigneeID != nil || t.Status != ticket.StatusUNASSIGNED {
			return nil, apperr.Conflict("ticket #%d is already taken; it is no longer in the queue", t.Number)
		}
		if err := s.Authz.Require(viewer, authz.ActClaim, authz.TicketDomain(t), res); err != nil {
			return nil, err
		}
		a, err := s.lockAgents(etx.Agent.Query().Where(agent.ID(me))).Only(ctx)
		if err != nil {
			return nil, fmt.Errorf("locking agent: %w", err)
		}
		load, full, err := atCapacity(ctx, etx.Tx, *t.TeamID, a)
		if err != nil {
			return nil, err
		}
		if full {
			return nil, apperr.Conflict("you are at capacity (%d active tickets of %d); finish one first", load, a.Capacity)
		}
		if err := takeTurn(ctx, etx.Tx, s.Dialect, *t.TeamID, me); err != nil {
			return nil, err
		}
		return s.giveTo(ctx, etx, viewer, t, me, ticketevent.KindCLAIMED, nil, now)
	})
}

// TransferTicket hands a ticket to another member of its team, with an
// optional note kept in the history. Agents transfer the tickets they
// work; leads and managers any of the team's. It is recorded as
// TRANSFERRED; the agent who handed it on may take a queued ticket.
func (s *Service) TransferTicket(ctx context.Context, id, toAgentID gid.ID, note *string) (*ent.Ticket, error) {
	text, err := optionalNote("note", note)
	if err != nil {
		return nil, err
	}
	return s.workflowChange(ctx, id, func(etx *events.Tx, viewer auth.Viewer, t *ent.Ticket, now time.Time) (*ent.Ticket, error) {
		res, err := authz.TicketResource(ctx, etx.Client(), viewer, t)
		if err != nil {
			return nil, err
		}
		if res.TargetInTeam, err = inTeam(ctx, etx.Tx, t.TeamID, toAgentID); err != nil {
			return nil, err
		}
		if err := s.Authz.Require(viewer, authz.ActReassign, authz.TicketDomain(t), res); err != nil {
			return nil, err
		}
		if err := s.lockAgent(ctx, etx.Tx, toAgentID); err != nil {
			return nil, err
		}
		if err := checkAgent(ctx, etx.Tx, "toAgentID", toAgentID); err != nil {
			return nil, err
		}
		if !res.TargetInTeam || t.TeamID == nil {
			return nil, apperr.Invalid("toAgentID", "a ticket is transferred to a member of its team; use assignTicket to move it elsewhere")
		}
		if t.AssigneeID != nil && *t.AssigneeID == toAgentID {
			return nil, apperr.Invalid("toAgentID", "the ticket is already assigned to this agent")
		}
		// Leads and managers (who may assign) move work past a capacity
		// deliberately; a member handing a ticket to a teammate may not
		// overload them.
		mayAssign, err := s.Authz.Can(viewer, authz.ActAssign, authz.TicketDomain(t), res)
		if err != nil {
			return nil, err
		}
		if !mayAssign {
			if err := s.checkCapacity(ctx, etx, *t.TeamID, toAgentID); err != nil {
				return nil, err
			}
		}
		var extra changeSet
		extra.add("note", nil, text)
		return s.giveTo(ctx, etx, viewer, t, toAgentID, ticketevent.KindTRANSFERRED, extra, now)
	})
}

// checkCapacity refuses, with CONFLICT, to give agentID (whose row the
// caller has locked) one more ticket when they are at capacity. The
// refusal names the load, which a member may learn about a teammate (the
// team's queue is theirs too).
func (s *Service) checkCapacity(ctx context.Context, etx *events.Tx, teamID, agentID gid.ID) error {
	// The teammate's load counts tickets the viewer may not read.
	ctx = auth.WithViewer(ctx, auth.System)
	a, err := etx.Agent.Get(ctx, agentID)
	if err != nil {
		return fmt.Errorf("loading agent: %w", err)
	}
	load, full, err := atCapacity(ctx, etx.Tx, teamID, a)
	if err != nil {
		return err
	}
	if full {
		return apperr.Conflict("%s is at capacity (%d active tickets of %d); ask a lead to assign past it", a.Name, load, a.Capacity)
	}
	return nil
}

// atCapacity counts a's active tickets as team teamID counts them
// (WAITING included unless the team says otherwise) and reports whether
// a has no room for one more.
func atCapacity(ctx context.Context, tx *ent.Tx, teamID gid.ID, a *ent.Agent) (load int, full bool, err error) {
	tm, err := tx.Team.Get(ctx, teamID)
	if err != nil {
		return 0, false, fmt.Errorf("loading team: %w", err)
	}
	loads, err := activeLoads(ctx, tx, []gid.ID{a.ID}, tm.WaitingCountsAsActive)
	if err != nil {
		return 0, false, err
	}
	return loads[a.ID], loads[a.ID] >= a.Capacity, nil
}

// EscalateTicket moves a ticket to its team's escalation team, back to
// that team's queue (its strategy then picks a member), raising its
// priority one step when the team says so. The reason is kept in the
// history; it is recorded as ESCALATED.
func (s *Service) EscalateTicket(ctx context.Context, id gid.ID, reason *string) (*ent.Ticket, error) {
	text, err := optionalNote("reason", reason)
	if err != nil {
		return nil, err
	}
	return s.workflowChange(ctx, id, func(etx *events.Tx, viewer auth.Viewer, t *ent.Ticket, now time.Time) (*ent.Ticket, error) {
		if _, err := s.authorize(ctx, etx.Tx, viewer, t, authz.ActEscalate); err != nil {
			return nil, err
		}
		from, to, err := escalationTeams(ctx, etx.Tx, t)
		if err != nil {
			return nil, err
		}
		if from == nil {
			return nil, apperr.Invalid("id", "ticket #%d has no team to escalate from", t.Number)
		}
		if to == nil {
			return nil, apperr.Invalid("id", "team %s has no escalation team", from.Name)
		}
		return s.escalate(ctx, etx, viewer, t, from, to, text, now)
	})
}

// workflowChange runs one workflow mutation on a locked ticket and
// returns the ticket as it is after the change and its reactions.
func (s *Service) workflowChange(ctx context.Context, id gid.ID,
	fn func(etx *events.Tx, viewer auth.Viewer, t *ent.Ticket, now time.Time) (*ent.Ticket, error)) (*ent.Ticket, error) {
	return s.workflowChangeOf(ctx, id, false, fn)
}

// workflowChangeOf is workflowChange; with anyTicket the ticket is loaded
// whether or not the viewer may read it, and fn decides what they learn.
func (s *Service) workflowChangeOf(ctx context.Context, id gid.ID, anyTicket bool,
	fn func(etx *events.Tx, viewer auth.Viewer, t *ent.Ticket, now time.Time) (*ent.Ticket, error)) (*ent.Ticket, error) {
	viewer, err := authz.Viewer(ctx)
	if err != nil {
		return nil, err
	}
	var changed *ent.Ticket
	err = s.withTx(ctx, func(etx *events.Tx) error {
		loadCtx := ctx
		if anyTicket {
			loadCtx = auth.WithViewer(ctx, auth.System)
		}
		t, err := s.loadForChange(loadCtx, etx.Tx, id, nil)
		if err != nil {
			return err
		}
		changed, err = fn(etx, viewer, t, s.now())
		readBack(etx, &changed)
		return err
	})
	if err != nil {
		return nil, err
	}
	return changed.Unwrap(), nil
}

// unassign returns a ticket to its team queue.
func (s *Service) unassign(ctx context.Context, etx *events.Tx, viewer auth.Viewer, t *ent.Ticket,
	kind ticketevent.Kind, extra changeSet, now time.Time) (*ent.Ticket, error) {
	if t.AssigneeID == nil {
		return t, nil
	}
	upd := etx.Ticket.UpdateOneID(t.ID).ClearAssignee()
	var ch changeSet
	ch.addID("assignee", t.AssigneeID, nil)
	if workflow.NeedsAssignee(t.Status) {
		changeStatus(t, ticket.StatusUNASSIGNED, upd, &ch, now)
	}
	ch = append(ch, extra...)
	return s.commitKind(ctx, etx, viewer, t, upd, ch, kind, now)
}

// inTeam reports whether the agent is a member of the team (false
// without a team).
func inTeam(ctx context.Context, tx *ent.Tx, teamID *gid.ID, agentID gid.ID) (bool, error) {
	if teamID == nil {
		return false, nil
	}
	ok, err := tx.TeamMembership.Query().
		Where(teammembership.TeamID(*teamID), teammembership.AgentID(agentID)).Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("checking team membership: %w", err)
	}
	return ok, nil
}

func optionalNote(field string, note *string) (*string, error) {
	if note == nil {
		return nil, nil
	}
	return input.OptionalText(field, *note, maxWorkflowNote)
}
