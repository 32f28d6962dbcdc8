package ticketing

import (
	"context"
	"fmt"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
	"helpdesk/internal/workflow"
)

// Escalate is the system's escalation of a ticket, on tx (the
// transaction of the change that calls for it, such as an SLA breach):
// the same move as EscalateTicket, recorded as ESCALATED with the system
// as actor and reason in the history. A ticket that is final, has no
// team, or whose team has no escalation team is left as it is.
func (s *Service) Escalate(ctx context.Context, tx *events.Tx, ticketID gid.ID, reason string, at time.Time) error {
	ctx = auth.WithViewer(ctx, auth.System)
	t, err := s.lockTicket(tx.Ticket.Query().Where(ticket.ID(ticketID))).Only(ctx)
	if err != nil {
		return fmt.Errorf("loading ticket to escalate: %w", err)
	}
	if workflow.IsFinal(t.Status) {
		return nil
	}
	from, to, err := escalationTeams(ctx, tx.Tx, t)
	if err != nil || from == nil || to == nil || to.ID == from.ID {
		return err
	}
	_, err = s.escalate(ctx, tx, auth.System, t, from, to, &reason, at)
	return err
}

// escalationTeams returns the ticket's team and that team's escalation
// team; from is nil without a team, to without an escalation team.
func escalationTeams(ctx context.Context, tx *ent.Tx, t *ent.Ticket) (from, to *ent.Team, err error) {
	if t.TeamID == nil {
		return nil, nil, nil
	}
	from, err = tx.Team.Get(ctx, *t.TeamID)
	if err != nil {
		return nil, nil, fmt.Errorf("loading team: %w", err)
	}
	to, err = from.QueryEscalationTeam().Only(ctx)
	if ent.IsNotFound(err) {
		return from, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("loading the escalation team: %w", err)
	}
	return from, to, nil
}

// escalate moves t from its team to the escalation team, back to that
// team's queue (the assignment reactor then lets its strategy pick a
// member), raising the priority one step when the team from says so,
// and records it as ESCALATED by viewer with the reason.
func (s *Service) escalate(ctx context.Context, etx *events.Tx, viewer auth.Viewer, t *ent.Ticket,
	from, to *ent.Team, reason *string, now time.Time) (*ent.Ticket, error) {
	upd := etx.Ticket.UpdateOneID(t.ID).SetTeamID(to.ID)
	var ch changeSet
	ch.addID("team", t.TeamID, &to.ID)
	if from.EscalationRaisesPriority {
		if p := workflow.RaisePriority(t.Priority); p != t.Priority {
			upd.SetPriority(p).SetPriorityRank(p.Rank())
			ch.addString("priority", string(t.Priority), string(p))
		}
	}
	if t.AssigneeID != nil {
		upd.ClearAssignee()
		ch.addID("assignee", t.AssigneeID, nil)
		if workflow.NeedsAssignee(t.Status) {
			changeStatus(t, ticket.StatusUNASSIGNED, upd, &ch, now)
		}
	}
	ch.add("escalationReason", nil, reason)
	return s.commitKind(ctx, etx, viewer, t, upd, ch, ticketevent.KindESCALATED, now)
}
