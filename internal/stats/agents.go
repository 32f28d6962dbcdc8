package stats

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect"

	"helpdesk/ent/agent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// AgentKPI is one agent's work over a period, read from the event log.
type AgentKPI struct {
	AgentID gid.ID
	// Received counts the tickets assigned to the agent in the period.
	Received int
	// Resolved counts the resolutions the agent made in the period.
	Resolved int
	// Reopened counts the tickets assigned to the agent that left
	// RESOLVED or CLOSED for an open status in the period.
	Reopened int
	// HandleTime is the average working time (IN_PROGRESS) of the tickets
	// the agent resolved in the period, in seconds; nil when none.
	HandleTime *float64
	// FirstResponseTime is the average time from creation to first
	// response of the tickets whose first response the agent gave in the
	// period, in seconds; nil when none.
	FirstResponseTime *float64
	// SLA is the SLA outcome of the tickets the agent resolved in the
	// period.
	SLA SLA
	// Load counts the open tickets assigned to the agent now.
	Load int
}

// AgentOrderField is what a leaderboard sorts agents by.
type AgentOrderField string

// The orders of agentStats.
const (
	ByReceived          AgentOrderField = "RECEIVED"
	ByResolved          AgentOrderField = "RESOLVED"
	ByReopened          AgentOrderField = "REOPENED"
	ByHandleTime        AgentOrderField = "HANDLE_TIME"
	ByFirstResponseTime AgentOrderField = "FIRST_RESPONSE_TIME"
	BySLACompliance     AgentOrderField = "SLA_COMPLIANCE"
	ByLoad              AgentOrderField = "LOAD"
)

// AgentRequest asks for the KPIs of agents over [From, To).
type AgentRequest struct {
	From, To time.Time
	// TeamID keeps the members of one team, when not nil.
	TeamID *gid.ID
	// OrderBy sorts the agents (missing values last; ties by agent id);
	// nil keeps the agents in id order.
	OrderBy *AgentOrder
}

// AgentOrder is the order of a leaderboard.
type AgentOrder struct {
	Field     AgentOrderField
	Direction entgql.OrderDirection
}

// Agents returns the KPIs of the agents the viewer may assess: managers
// and administrators every agent, a team lead the members of the teams
// they lead and themselves, any other agent themselves. Customers' and
// integrations' tokens are refused. An agent's figures cover all their
// work, not only the tickets the viewer may read.
func (s *Service) Agents(ctx context.Context, req AgentRequest) ([]*AgentKPI, error) {
	v, ok := auth.ViewerFrom(ctx)
	switch {
	case !ok:
		return nil, apperr.Unauthenticated("authentication required")
	case v.IsCustomer() || v.IsIntegration() || !v.IsAgent() && !v.IsSystem():
		return nil, apperr.Forbidden("agent statistics are for staff")
	}
	if !req.From.Before(req.To) {
		return nil, apperr.Invalid("to", "must be after from")
	}
	order := AgentOrder{}
	if req.OrderBy != nil {
		order = *req.OrderBy
	}
	switch order.Field {
	case "", ByReceived, ByResolved, ByReopened, ByHandleTime, ByFirstResponseTime, BySLACompliance, ByLoad:
	default:
		return nil, apperr.Invalid("orderBy.field", "unknown field %q", req.OrderBy)
	}
	d := dialectOf(s.Dialect)
	args := []any{req.From.UTC(), req.To.UTC()}
	param := func(v any) string {
		args = append(args, v)
		return s.placeholder(len(args))
	}
	var where []string
	if !(v.IsSystem() || v.Role == agent.RoleADMIN || v.Role == agent.RoleMANAGER) {
		self := "a.id = " + param(string(v.AgentID))
		lead, err := s.Authz.LeadTeams(v.AgentID)
		if err != nil {
			return nil, fmt.Errorf("reading the viewer's teams: %w", err)
		}
		if len(lead) > 0 {
			var ps []string
			for _, id := range lead {
				ps = append(ps, param(string(id)))
			}
			self = fmt.Sprintf("(%s OR a.id IN (SELECT m.agent_id FROM team_memberships m WHERE m.team_id IN (%s)))", self, strings.Join(ps, ", "))
		}
		where = append(where, self)
	}
	if req.TeamID != nil {
		where = append(where, "a.id IN (SELECT m.agent_id FROM team_memberships m WHERE m.team_id = "+param(string(*req.TeamID))+")")
	}
	q := s.agentQuery(d, where)
	var out []*AgentKPI
	err := s.query(ctx, q, args, func(rows *sql.Rows) error {
		for rows.Next() {
			k := &AgentKPI{}
			var handle, frt nullFloat
			if err := rows.Scan(&k.AgentID, &k.Received, &k.Resolved, &k.Reopened, &handle, &frt, &k.SLA.Met, &k.SLA.Breached, &k.SLA.Pending, &k.Load); err != nil {
				return err
			}
			k.HandleTime, k.FirstResponseTime = handle.ptr(), frt.ptr()
			out = append(out, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("computing agent statistics: %w", err)
	}
	sortAgents(out, order.Field, order.Direction == entgql.OrderDirectionDesc)
	return out, nil
}

// placeholder is the n-th (1-based) argument, reusable in one statement.
func (s *Service) placeholder(n int) string {
	if s.Dialect == dialect.Postgres {
		return fmt.Sprintf("$%d", n)
	}
	return fmt.Sprintf("?%d", n)
}

// agentQuery reads every KPI of every agent in one statement: the period
// is arguments 1 and 2, each change of the period's events to a field the
// KPIs read (most changes are to others: comments' visibility, titles,
// ...) one row of st_changes.
func (s *Service) agentQuery(d sqlDialect, where []string) string {
	from, to := s.placeholder(1), s.placeholder(2)
	fields := " IN ('assignee', 'status', 'firstRespondedAt')"
	changes := "SELECT e.ticket_id, e.actor_id, json_extract(c.value, '$.field') AS field, json_extract(c.value, '$.from') AS fv, json_extract(c.value, '$.to') AS tv " +
		"FROM ticket_events e, json_each(e.changes) c WHERE e.created_at >= " + from + " AND e.created_at < " + to + " AND json_extract(c.value, '$.field')" + fields
	if s.Dialect == dialect.Postgres {
		changes = "SELECT e.ticket_id, e.actor_id, c->>'field' AS field, c->>'from' AS fv, c->>'to' AS tv " +
			"FROM ticket_events e, jsonb_array_elements(e.changes) c WHERE e.created_at >= " + from + " AND e.created_at < " + to + " AND c->>'field'" + fields
	}
	col := func(c string) string { return "t." + c }
	sla := slaOutcomeSQL(col)
	q := "WITH st_changes AS (" + changes + "), " +
		"st_received AS (SELECT tv AS agent_id, COUNT(DISTINCT ticket_id) AS n FROM st_changes WHERE field = 'assignee' AND tv IS NOT NULL GROUP BY tv), " +
		"st_resolved AS (SELECT c.actor_id AS agent_id, COUNT(*) AS n, AVG(t.working_seconds) AS handle, " +
		"SUM(CASE WHEN " + sla + " = 1 THEN 1 ELSE 0 END) AS met, SUM(CASE WHEN " + sla + " = 2 THEN 1 ELSE 0 END) AS breached, SUM(CASE WHEN " + sla + " = 0 THEN 1 ELSE 0 END) AS pending " +
		"FROM st_changes c JOIN tickets t ON t.id = c.ticket_id WHERE c.field = 'status' AND c.tv = 'RESOLVED' AND c.actor_id IS NOT NULL GROUP BY c.actor_id), " +
		"st_reopened AS (SELECT t.assignee_id AS agent_id, COUNT(*) AS n FROM st_changes c JOIN tickets t ON t.id = c.ticket_id " +
		"WHERE c.field = 'status' AND c.fv IN ('RESOLVED', 'CLOSED') AND c.tv IN ('OPEN', 'IN_PROGRESS', 'WAITING', 'UNASSIGNED') AND t.assignee_id IS NOT NULL GROUP BY t.assignee_id), " +
		"st_responded AS (SELECT c.actor_id AS agent_id, AVG(" + d.seconds("t.first_responded_at", "t.created_at") + ") AS frt FROM st_changes c JOIN tickets t ON t.id = c.ticket_id " +
		"WHERE c.field = 'firstRespondedAt' AND c.actor_id IS NOT NULL AND t.first_responded_at IS NOT NULL GROUP BY c.actor_id), " +
		"st_load AS (SELECT assignee_id AS agent_id, COUNT(*) AS n FROM tickets WHERE assignee_id IS NOT NULL AND status IN ('OPEN', 'IN_PROGRESS', 'WAITING') GROUP BY assignee_id) " +
		"SELECT a.id, COALESCE(rc.n, 0), COALESCE(rs.n, 0), COALESCE(ro.n, 0), CAST(rs.handle AS DOUBLE PRECISION), CAST(fr.frt AS DOUBLE PRECISION), " +
		"CAST(COALESCE(rs.met, 0) AS BIGINT), CAST(COALESCE(rs.breached, 0) AS BIGINT), CAST(COALESCE(rs.pending, 0) AS BIGINT), COALESCE(ld.n, 0) " +
		"FROM agents a LEFT JOIN st_received rc ON rc.agent_id = a.id LEFT JOIN st_resolved rs ON rs.agent_id = a.id " +
		"LEFT JOIN st_reopened ro ON ro.agent_id = a.id LEFT JOIN st_responded fr ON fr.agent_id = a.id LEFT JOIN st_load ld ON ld.agent_id = a.id"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return q
}

// sortAgents orders a leaderboard: by the field (missing values last),
// then by agent id.
func sortAgents(ks []*AgentKPI, by AgentOrderField, desc bool) {
	value := func(k *AgentKPI) *float64 {
		f := func(n int) *float64 { x := float64(n); return &x }
		switch by {
		case ByReceived:
			return f(k.Received)
		case ByResolved:
			return f(k.Resolved)
		case ByReopened:
			return f(k.Reopened)
		case ByHandleTime:
			return k.HandleTime
		case ByFirstResponseTime:
			return k.FirstResponseTime
		case BySLACompliance:
			return k.SLA.Compliance()
		case ByLoad:
			return f(k.Load)
		}
		return nil
	}
	slices.SortStableFunc(ks, func(a, b *AgentKPI) int {
		va, vb := value(a), value(b)
		switch {
		case va == nil && vb != nil:
			return 1
		case va != nil && vb == nil:
			return -1
		case va != nil && vb != nil && *va != *vb:
			if desc {
				return cmp.Compare(*vb, *va)
			}
			return cmp.Compare(*va, *vb)
		}
		return cmp.Compare(a.AgentID, b.AgentID)
	})
}

// nullFloat scans a nullable number.
type nullFloat struct {
	v     float64
	valid bool
}

func (n *nullFloat) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		n.valid = false
		return nil
	case float64:
		n.v, n.valid = x, true
	case int64:
		n.v, n.valid = float64(x), true
	case []byte:
		if _, err := fmt.Sscan(string(x), &n.v); err != nil {
			return err
		}
		n.valid = true
	default:
		return fmt.Errorf("unexpected %T for a number", src)
	}
	return nil
}

func (n nullFloat) ptr() *float64 {
	if !n.valid {
		return nil
	}
	v := n.v
	return &v
}
