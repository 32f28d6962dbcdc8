package ticketing

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
)

// PullFor gives the agent, while they are free (ONLINE and under
// capacity), the most urgent then oldest queued tickets of their teams,
// on tx: the transaction of the change that may have freed them (they
// came ONLINE, gained capacity, joined a team).
func (s *Service) PullFor(ctx context.Context, tx *events.Tx, agentID gid.ID) error {
	return s.pullFor(ctx, tx, agentID, "", s.now())
}

// RequeueOpen hands the agent's OPEN (assigned, not started) tickets of
// the teams that ask for it (requeue_when_offline) back to their team,
// on tx: the transaction that took the agent OFFLINE. Each is recorded as
// UNASSIGNED by the system, and the team's strategy then looks for
// another member. A ticket someone is changing at this moment is left
// with the agent.
func (s *Service) RequeueOpen(ctx context.Context, tx *events.Tx, agentID gid.ID) error {
	ctx = auth.WithViewer(ctx, auth.System)
	q := tx.Ticket.Query().Where(
		ticket.AssigneeID(agentID),
		ticket.StatusEQ(ticket.StatusOPEN),
		ticket.HasTeamWith(team.RequeueWhenOffline(true)),
	).Order(queueTerms()...)
	if s.Dialect == dialect.Postgres {
		q = q.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
	}
	open, err := q.All(ctx)
	if err != nil {
		return fmt.Errorf("finding the agent's open tickets: %w", err)
	}
	now := s.now()
	for _, t := range open {
		upd := tx.Ticket.UpdateOneID(t.ID).ClearAssignee()
		var ch changeSet
		ch.addID("assignee", t.AssigneeID, nil)
		changeStatus(t, ticket.StatusUNASSIGNED, upd, &ch, now)
		if _, err := s.commitKind(ctx, tx, auth.System, t, upd, ch, ticketevent.KindUNASSIGNED, now); err != nil {
			return err
		}
	}
	return nil
}
