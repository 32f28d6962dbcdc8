package ticketing

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

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
// Assignment locks the row of the agent a ticket goes to on PostgreSQL
// (after the ticket's) and counts their load under that lock, and takes
// queued tickets with SKIP LOCKED, so that concurrent changes on any
// replica never give one ticket to two agents or push an agent past
// capacity; a team's other members stay unlocked (see lockChoice).
// SQLite serialises writers anyway.
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
//
// The members, their loads and turns are read without locks; only the
// agent the ticket goes to is locked, and their load and turn are read
// again under that lock before the ticket is theirs (see lockChoice), so
// creations into one team do not wait for each other's transactions.
func (s *Service) autoAssign(ctx context.Context, tx *events.Tx, t *ent.Ticket, except *gid.ID, now time.Time) error {
	c, err := s.readCandidates(ctx, tx.Tx, *t.TeamID, except)
	if err != nil || len(c.members) == 0 {
		return err
	}
	var chosen gid.ID
	var ok bool
	if s.Dialect == dialect.Postgres {
		chosen, ok, err = s.lockChoice(ctx, tx.Tx, c, except)
		if err != nil {
			return err
		}
	} else {
		// SQLite's writers take turns: what was read is still true.
		chosen, ok = workflow.Choose(c.strategy, c.members)
	}
	if !ok {
		return nil
	}
	if err := takeTurn(ctx, tx.Tx, s.Dialect, *t.TeamID, chosen); err != nil {
		return err
	}
	_, err = s.giveTo(ctx, tx, auth.System, t, chosen, ticketevent.KindASSIGNED, nil, now)
	return err
}

// candidates is a team's assignment strategy and its active, ONLINE
// members (but the one a ticket must not go back to) with their loads
// and turns, as one statement read them.
type candidates struct {
	teamID        gid.ID
	strategy      team.AssignmentStrategy
	waitingCounts bool
	members       []workflow.Member
}

// activeLoadSQL counts the active tickets (workflow.ActiveStatuses) of
// the agent in the column agentCol; waitingCol says whether WAITING
// counts.
func activeLoadSQL(agentCol, waitingCol string) string {
	return `(SELECT COUNT(*) FROM tickets t WHERE t.assignee_id = ` + agentCol + ` AND t.status IN ('` +
		string(ticket.StatusOPEN) + `', '` + string(ticket.StatusIN_PROGRESS) + `', '` + string(ticket.StatusWAITING) +
		`') AND (t.status <> '` + string(ticket.StatusWAITING) + `' OR ` + waitingCol + `))`
}

// readCandidates reads, without locks and in one statement, what a
// team's strategy needs to pick an assignee. A MANUAL team, or one with
// nobody online, has no candidates.
func (s *Service) readCandidates(ctx context.Context, tx *ent.Tx, teamID gid.ID, except *gid.ID) (candidates, error) {
	c := candidates{teamID: teamID}
	var not gid.ID
	if except != nil {
		not = *except
	}
	// SQLite locks nothing and counts every member's load here. On
	// PostgreSQL only LEAST_LOADED needs them all (counted below); the
	// others' pick has its load counted under its lock (lockChoice). A
	// count per member inside this statement would make PostgreSQL's
	// planner, multiplying it by its guess of the team's size, compile
	// the statement (JIT) at every execution.
	load := "0"
	if s.Dialect != dialect.Postgres {
		load = activeLoadSQL("m.agent_id", "tm.waiting_counts_as_active")
	}
	query := `SELECT tm.assignment_strategy, tm.waiting_counts_as_active, m.agent_id, m.priority, m.round_robin_turn,
		a.capacity, ` + load + `
		FROM teams tm
		JOIN team_memberships m ON m.team_id = tm.id
		JOIN agents a ON a.id = m.agent_id
		WHERE tm.id = $1 AND tm.assignment_strategy <> $2 AND m.agent_id <> $3 AND a.active AND a.availability = $4`
	rows, err := tx.QueryContext(ctx, s.rebind(query), teamID, team.AssignmentStrategyMANUAL, not, agent.AvailabilityONLINE)
	if err != nil {
		return c, fmt.Errorf("reading the team's members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m := workflow.Member{Online: true}
		var position, capacity, active int64
		if err := rows.Scan(&c.strategy, &c.waitingCounts, &m.AgentID, &position, &m.Turn, &capacity, &active); err != nil {
			return c, fmt.Errorf("reading the team's members: %w", err)
		}
		m.Position, m.Capacity, m.Active = int(position), int(capacity), int(active)
		c.members = append(c.members, m)
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("reading the team's members: %w", err)
	}
	if err := rows.Close(); err != nil {
		return c, fmt.Errorf("reading the team's members: %w", err)
	}
	if s.Dialect == dialect.Postgres && c.strategy == team.AssignmentStrategyLEAST_LOADED && len(c.members) > 0 {
		ids := make([]gid.ID, len(c.members))
		for i, m := range c.members {
			ids[i] = m.AgentID
		}
		loads, err := activeLoads(ctx, tx, ids, c.waitingCounts)
		if err != nil {
			return c, err
		}
		for i, m := range c.members {
			c.members[i].Active = loads[m.AgentID]
		}
	}
	return c, nil
}

// optimisticRounds is how many picks lockChoice checks against the
// strategy under their lock; after that, any free member it could lock
// is taken (fairness yields to progress under heavy contention, capacity
// never does).
const optimisticRounds = 2

// lockWaitLimit bounds how long lockChoice, holding a member it could
// not use, polls for the others' rows rather than wait for them.
const lockWaitLimit = 5 * time.Second

// lockChoice picks the member the strategy prefers among c's and locks
// their row (PostgreSQL), then reads their load and turn again under
// the lock: the ticket is theirs only if they are still free and still
// the strategy's pick. Capacity is thus never exceeded, whatever ran
// between the read and the lock. (For PRIORITY and ROUND_ROBIN the
// read counted no loads: the pick's is counted under the lock, and a
// pick found at capacity gives way to the next.)
//
// ROUND_ROBIN and LEAST_LOADED teams take, in the strategy's order, the
// first member whose row no other transaction holds (SKIP LOCKED): one
// being given a ticket right now has, once that commits, the newest turn
// and one more ticket, so the next member is the pick (which the check
// under the lock confirms, counting those held as given one more). A
// PRIORITY team waits for its first free member, since the ticket is
// theirs unless that other ticket fills them. When the pick changed
// under the lock, the members are read again.
//
// A transaction waits for a member's row only while it holds no other
// it took here; holding one (found full, or no longer the pick), it only
// tries rows without waiting, and polls — so two assigners never wait
// for each other's rows.
func (s *Service) lockChoice(ctx context.Context, tx *ent.Tx, c candidates, except *gid.ID) (gid.ID, bool, error) {
	// full holds the members found at capacity under their lock (this
	// transaction keeps it): their load cannot grow meanwhile.
	full := map[gid.ID]bool{}
	holding := false
	var pollUntil time.Time
	for round := 0; ; {
		for i, m := range c.members {
			if full[m.AgentID] {
				c.members[i].Active = max(m.Active, m.Capacity)
			}
		}
		ranked := workflow.Rank(c.strategy, c.members)
		if len(ranked) == 0 || round > 2*len(c.members)+optimisticRounds {
			return "", false, nil // nobody free (each try found its pick full or gone)
		}
		chosen := ranked[0].AgentID
		var busy map[gid.ID]bool // members ranked before chosen, held by other assigners
		if c.strategy == team.AssignmentStrategyPRIORITY && !holding {
			if err := s.lockAgent(ctx, tx, chosen); err != nil {
				return "", false, err
			}
		} else {
			try := ranked
			if c.strategy == team.AssignmentStrategyPRIORITY {
				try = ranked[:1]
			}
			got, ok, err := lockFirstFree(ctx, tx, try)
			if err != nil {
				return "", false, err
			}
			switch {
			case ok:
				chosen = got
				busy = map[gid.ID]bool{}
				for _, m := range ranked {
					if m.AgentID == got {
						break
					}
					busy[m.AgentID] = true
				}
			case !holding: // everyone is being given one: wait for the pick
				if err := s.lockAgent(ctx, tx, chosen); err != nil {
					return "", false, err
				}
			default:
				if pollUntil.IsZero() {
					pollUntil = time.Now().Add(lockWaitLimit)
				}
				if time.Now().After(pollUntil) {
					return "", false, nil // the ticket waits in the queue
				}
				select {
				case <-ctx.Done():
					return "", false, ctx.Err()
				case <-time.After(2 * time.Millisecond):
				}
				if c, err = s.readCandidates(ctx, tx, c.teamID, except); err != nil {
					return "", false, err
				}
				continue
			}
		}
		holding = true
		fresh, ok, err := s.recheck(ctx, tx, c, chosen)
		if err != nil {
			return "", false, err
		}
		if ok && fresh.Free() && (round >= optimisticRounds || stillChosen(c, fresh, busy)) {
			return chosen, true, nil
		}
		if ok && fresh.Online && !fresh.Free() {
			full[chosen] = true
		}
		if c, err = s.readCandidates(ctx, tx, c.teamID, except); err != nil {
			return "", false, err
		}
		round++
	}
}

// stillChosen reports whether the strategy picks fresh (a member as read
// under their lock) among c's members, counting each member held by
// another assigner as given a ticket: one more active, the newest turn.
func stillChosen(c candidates, fresh workflow.Member, held map[gid.ID]bool) bool {
	var newest int64
	for _, m := range c.members {
		newest = max(newest, m.Turn)
	}
	members := make([]workflow.Member, len(c.members))
	for i, m := range c.members {
		switch {
		case m.AgentID == fresh.AgentID:
			m = fresh
		case held[m.AgentID]:
			m.Active++
			m.Turn = newest + 1
		}
		members[i] = m
	}
	chosen, ok := workflow.Choose(c.strategy, members)
	return ok && chosen == fresh.AgentID
}

// lockFirstFree locks the row of the first of ranked that no other
// transaction holds, without waiting; false when all are held.
func lockFirstFree(ctx context.Context, tx *ent.Tx, ranked []workflow.Member) (gid.ID, bool, error) {
	ids := make([]string, len(ranked))
	for i, m := range ranked {
		ids[i] = string(m.AgentID)
	}
	rows, err := tx.QueryContext(ctx, `SELECT a.id FROM unnest($1::varchar[]) WITH ORDINALITY AS c(id, ord)
		JOIN agents a ON a.id = c.id ORDER BY c.ord LIMIT 1 FOR NO KEY UPDATE OF a SKIP LOCKED`, pq.Array(ids))
	if err != nil {
		return "", false, fmt.Errorf("locking a team member: %w", err)
	}
	defer rows.Close()
	var id gid.ID
	found := rows.Next()
	if found {
		if err := rows.Scan(&id); err != nil {
			return "", false, fmt.Errorf("locking a team member: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return "", false, fmt.Errorf("locking a team member: %w", err)
	}
	return id, found, rows.Close()
}

// recheck reads again, after their row was locked, a member's
// availability, capacity, load and turn; false when they left the team.
func (s *Service) recheck(ctx context.Context, tx *ent.Tx, c candidates, id gid.ID) (workflow.Member, bool, error) {
	m := workflow.Member{AgentID: id}
	for _, read := range c.members {
		if read.AgentID == id {
			m.Position = read.Position
		}
	}
	query := `SELECT a.active AND a.availability = $1, a.capacity, m.round_robin_turn, ` + activeLoadSQL("a.id", "$2") + `
		FROM agents a JOIN team_memberships m ON m.agent_id = a.id AND m.team_id = $3 WHERE a.id = $4`
	rows, err := tx.QueryContext(ctx, s.rebind(query), agent.AvailabilityONLINE, c.waitingCounts, c.teamID, id)
	if err != nil {
		return m, false, fmt.Errorf("counting the agent's tickets: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return m, false, rows.Err()
	}
	var capacity, active int64
	if err := rows.Scan(&m.Online, &capacity, &m.Turn, &active); err != nil {
		return m, false, fmt.Errorf("counting the agent's tickets: %w", err)
	}
	m.Capacity, m.Active = int(capacity), int(active)
	return m, true, rows.Close()
}

// rebind writes a query's $n placeholders as the dialect wants them.
func (s *Service) rebind(query string) string {
	if s.Dialect != dialect.SQLite {
		return query
	}
	return sqlitePlaceholders.ReplaceAllString(query, "?")
}

var sqlitePlaceholders = regexp.MustCompile(`\$[0-9]+`)

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

func ptrID(id gid.ID) *gid.ID { return &id }
