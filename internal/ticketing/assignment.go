package ticketing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/team"
	"helpdesk/ent/teammembership"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
	"helpdesk/internal/workflow"
)

// AssignmentReactor assigns tickets by their team's strategy and hands
// queued tickets to agents who become free, inside the transaction of the
// change that calls for it:
//
//   - a ticket that a change leaves UNASSIGNED in a team (created, moved
//     to another team, escalated, handed back, reopened) goes to the member
//     the team's strategy picks (workflow.Choose), if one is free — never
//     back to the agent who just gave it up; otherwise it waits in the
//     team queue;
//   - an agent a change frees (their ticket resolved, closed, cancelled,
//     put on hold, handed to someone else) gets the most urgent, then
//     oldest, queued ticket of their teams, for as long as they stay free.
//
// Assignment takes the agents' rows with row locks on PostgreSQL (in id
// order, after the ticket's), and queued tickets with SKIP LOCKED, so that
// concurrent changes on any replica never give one ticket to two agents or
// push an agent past capacity. SQLite serialises writers anyway.
func (s *Service) AssignmentReactor() events.Reactor {
	return events.ReactorFunc(func(ctx context.Context, tx *events.Tx, c events.Change) error {
		ch := changeSet(c.Changes)
		switch {
		case c.Kind == ticketevent.KindCREATED && (ch.field("team") == nil || ch.field("assignee") != nil):
			return nil // a new ticket without a team, or assigned already
		case ch.field("team") == nil && ch.field("status") == nil && ch.field("assignee") == nil:
			return nil
		}
		ctx = auth.WithViewer(ctx, auth.System)
		t, err := tx.LoadTicket(ctx, c.TicketID)
		if err != nil {
			return fmt.Errorf("loading ticket %s: %w", c.TicketID, err)
		}
		var previous *gid.ID
		if a := ch.field("assignee"); a != nil && a.From != nil {
			previous = ptrID(gid.ID(*a.From))
		}
		if queuedByChange(t, c, ch) {
			if err := s.autoAssign(ctx, tx, t, previous, c.At); err != nil {
				return err
			}
		}
		for _, id := range freedAgents(t, ch, previous) {
			if err := s.pullFor(ctx, tx, id, c.TicketID, c.At); err != nil {
				return err
			}
		}
		return nil
	})
}

// queuedByChange reports whether the change left the ticket waiting in a
// team queue, so that the team's strategy should look for an assignee.
// Assignments the reactor makes itself are ASSIGNED and never match.
func queuedByChange(t *ent.Ticket, c events.Change, ch changeSet) bool {
	if t.Status != ticket.StatusUNASSIGNED || t.AssigneeID != nil || t.TeamID == nil {
		return false
	}
	return c.Kind == ticketevent.KindCREATED || ch.field("team") != nil || ch.field("status") != nil ||
		ch.field("assignee") != nil
}

// freedAgents lists the agents the change may have freed: one who gave the
// ticket up, and its assignee when it left OPEN and IN_PROGRESS.
func freedAgents(t *ent.Ticket, ch changeSet, previous *gid.ID) []gid.ID {
	var out []gid.ID
	if previous != nil && (t.AssigneeID == nil || *t.AssigneeID != *previous) {
		out = append(out, *previous)
	}
	if st := ch.field("status"); st != nil && t.AssigneeID != nil && ch.field("assignee") == nil &&
		!workflow.IsActive(t.Status, false) {
		out = append(out, *t.AssigneeID)
	}
	return out
}

// autoAssign gives a queued ticket to the member its team's strategy
// picks, never to except; with nobody free it stays queued.
func (s *Service) autoAssign(ctx context.Context, tx *events.Tx, t *ent.Ticket, except *gid.ID, now time.Time) error {
	tm, err := tx.Team.Get(ctx, *t.TeamID)
	if err != nil {
		return fmt.Errorf("loading team: %w", err)
	}
	if tm.AssignmentStrategy == team.AssignmentStrategyMANUAL {
		return nil
	}
	memberships, err := tx.TeamMembership.Query().Where(teammembership.TeamID(tm.ID)).All(ctx)
	if err != nil {
		return fmt.Errorf("loading team members: %w", err)
	}
	var ids []gid.ID
	for _, m := range memberships {
		if except == nil || m.AgentID != *except {
			ids = append(ids, m.AgentID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	online, err := s.lockAgents(tx.Agent.Query().
		Where(agent.IDIn(ids...), agent.Active(true), agent.AvailabilityEQ(agent.AvailabilityONLINE)).
		Order(ent.Asc(agent.FieldID))).All(ctx)
	if err != nil {
		return fmt.Errorf("locking team members: %w", err)
	}
	if len(online) == 0 {
		return nil
	}
	loads, err := activeLoads(ctx, tx.Tx, agentIDs(online), tm.WaitingCountsAsActive)
	if err != nil {
		return err
	}
	byID := map[gid.ID]*ent.Agent{}
	for _, a := range online {
		byID[a.ID] = a
	}
	var members []workflow.Member
	for _, m := range memberships {
		if a := byID[m.AgentID]; a != nil {
			members = append(members, workflow.Member{AgentID: a.ID, Position: m.Priority, Online: true,
				Capacity: a.Capacity, Active: loads[a.ID], Turn: m.RoundRobinTurn})
		}
	}
	chosen, ok := workflow.Choose(tm.AssignmentStrategy, members)
	if !ok {
		return nil
	}
	if err := takeTurn(ctx, tx.Tx, s.Dialect, tm.ID, chosen); err != nil {
		return err
	}
	_, err = s.giveTo(ctx, tx, auth.System, t, chosen, ticketevent.KindASSIGNED, nil, now)
	return err
}

// pullFor gives agentID, while they are free, the most urgent then oldest
// queued tickets of their teams (except the ticket except, which they
// just gave up). Teams that assign manually keep their queue.
func (s *Service) pullFor(ctx context.Context, tx *events.Tx, agentID, except gid.ID, now time.Time) error {
	a, err := s.lockAgents(tx.Agent.Query().Where(agent.ID(agentID))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("locking agent: %w", err)
	}
	if !a.Active || a.Availability != agent.AvailabilityONLINE {
		return nil
	}
	memberships, err := tx.TeamMembership.Query().Where(teammembership.AgentID(agentID)).WithTeam().All(ctx)
	if err != nil {
		return fmt.Errorf("loading the agent's teams: %w", err)
	}
	// Each pull fills one place; an agent's capacity bounds the loop.
	for range a.Capacity {
		counts, err := statusCounts(ctx, tx.Tx, agentID)
		if err != nil {
			return err
		}
		var teams []gid.ID
		for _, m := range memberships {
			tm := m.Edges.Team
			active := counts[ticket.StatusOPEN] + counts[ticket.StatusIN_PROGRESS]
			if tm.WaitingCountsAsActive {
				active += counts[ticket.StatusWAITING]
			}
			if tm.AssignmentStrategy != team.AssignmentStrategyMANUAL && active < a.Capacity {
				teams = append(teams, tm.ID)
			}
		}
		if len(teams) == 0 {
			return nil
		}
		q := tx.Ticket.Query().Where(queued(teams...), ticket.IDNEQ(except)).Order(queueTerms()...)
		if s.Dialect == dialect.Postgres {
			// A queued ticket someone is claiming or changing right now is
			// left to them rather than waited for.
			q = q.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
		}
		next, err := q.First(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("taking the next queued ticket: %w", err)
		}
		if err := takeTurn(ctx, tx.Tx, s.Dialect, *next.TeamID, agentID); err != nil {
			return err
		}
		if _, err := s.giveTo(ctx, tx, auth.System, next, agentID, ticketevent.KindASSIGNED, nil, now); err != nil {
			return err
		}
	}
	return nil
}

// giveTo assigns t to agentID as the viewer, opening an UNASSIGNED ticket
// and noting the first assignment, and records the change as kind with
// the extra field changes.
func (s *Service) giveTo(ctx context.Context, tx *events.Tx, viewer auth.Viewer, t *ent.Ticket, agentID gid.ID,
	kind ticketevent.Kind, extra changeSet, now time.Time) (*ent.Ticket, error) {
	upd := tx.Ticket.UpdateOneID(t.ID).SetAssigneeID(agentID)
	var ch changeSet
	ch.addID("assignee", t.AssigneeID, &agentID)
	if t.Status == ticket.StatusUNASSIGNED {
		changeStatus(t, ticket.StatusOPEN, upd, &ch, now)
	}
	noteFirstAssignment(t, upd, &ch, now)
	ch = append(ch, extra...)
	return s.commitKind(ctx, tx, viewer, t, upd, ch, kind, now)
}

// noteFirstAssignment records when a ticket got its first assignee, and
// how long after its creation.
func noteFirstAssignment(t *ent.Ticket, upd *ent.TicketUpdateOne, ch *changeSet, now time.Time) {
	if t.FirstAssignedAt != nil {
		return
	}
	upd.SetFirstAssignedAt(now).SetFirstAssignmentSeconds(secondsSince(t.CreatedAt, now))
	ch.addTime("firstAssignedAt", nil, &now)
}

// lockAgents makes q lock the agent rows it reads until the transaction
// ends (PostgreSQL; SQLite's writers are serialised). Every path that
// gives an agent a ticket takes the agent's row first, so the load it
// then counts is not changing under it. The lock is FOR NO KEY UPDATE:
// it excludes other assigners but not the key-share locks that foreign
// keys take (a ticket created by, or a notification for, the agent),
// which FOR UPDATE would wait for — and deadlock with.
func (s *Service) lockAgents(q *ent.AgentQuery) *ent.AgentQuery {
	if s.Dialect == dialect.Postgres {
		return q.ForUpdate(entsql.WithLockClause("FOR NO KEY UPDATE"))
	}
	return q
}

// lockAgent takes the row of an agent a ticket is about to be given to
// (see lockAgents). Whether the agent exists is checked by the caller.
func (s *Service) lockAgent(ctx context.Context, tx *ent.Tx, id gid.ID) error {
	_, err := s.lockAgents(tx.Agent.Query().Where(agent.ID(id))).IDs(ctx)
	if err != nil {
		return fmt.Errorf("locking agent: %w", err)
	}
	return nil
}

// activeLoads counts each agent's active tickets (workflow.ActiveStatuses).
func activeLoads(ctx context.Context, tx *ent.Tx, ids []gid.ID, waitingCounts bool) (map[gid.ID]int, error) {
	var rows []struct {
		AssigneeID gid.ID `json:"assignee_id"`
		Count      int    `json:"count"`
	}
	err := tx.Ticket.Query().
		Where(ticket.AssigneeIDIn(ids...), ticket.StatusIn(workflow.ActiveStatuses(waitingCounts)...)).
		GroupBy(ticket.FieldAssigneeID).Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("counting active tickets: %w", err)
	}
	out := map[gid.ID]int{}
	for _, r := range rows {
		out[r.AssigneeID] = r.Count
	}
	return out, nil
}

// statusCounts counts one agent's tickets by status.
func statusCounts(ctx context.Context, tx *ent.Tx, agentID gid.ID) (map[ticket.Status]int, error) {
	var rows []struct {
		Status ticket.Status `json:"status"`
		Count  int           `json:"count"`
	}
	err := tx.Ticket.Query().
		Where(ticket.AssigneeID(agentID), ticket.StatusIn(workflow.ActiveStatuses(true)...)).
		GroupBy(ticket.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("counting the agent's tickets: %w", err)
	}
	out := map[ticket.Status]int{}
	for _, r := range rows {
		out[r.Status] = r.Count
	}
	return out, nil
}

// takeTurn records that the team's next round-robin turn went to agentID:
// one statement reads the team's last turn and writes the next.
func takeTurn(ctx context.Context, tx *ent.Tx, dialectName string, teamID, agentID gid.ID) error {
	query := `UPDATE team_memberships SET round_robin_turn = COALESCE((SELECT MAX(round_robin_turn) FROM team_memberships
		WHERE team_id = $1), 0) + 1, updated_at = $2 WHERE team_id = $3 AND agent_id = $4`
	if dialectName == dialect.SQLite {
		query = strings.NewReplacer("$1", "?", "$2", "?", "$3", "?", "$4", "?").Replace(query)
	}
	if _, err := tx.ExecContext(ctx, query, teamID, time.Now(), teamID, agentID); err != nil {
		return fmt.Errorf("recording the team's turn: %w", err)
	}
	return nil
}

func agentIDs(agents []*ent.Agent) []gid.ID {
	out := make([]gid.ID, len(agents))
	for i, a := range agents {
		out[i] = a.ID
	}
	return out
}

func ptrID(id gid.ID) *gid.ID { return &id }
