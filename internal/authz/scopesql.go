package authz

import (
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"helpdesk/ent/comment"
	"helpdesk/ent/predicate"
	"helpdesk/ent/ticket"
	"helpdesk/internal/gid"
)

// agentTicketScope is the read scope of a plain agent (see TicketScope):
// the tickets assigned to them, the unassigned tickets of their teams,
// every ticket of the teams they lead, and the tickets they watch or are
// mentioned on.
//
// It is written so that the database can find those tickets through
// indexes and estimate how few they are. Every branch of the OR is a
// condition on an indexed column of tickets: the assignee (assignee_id,
// status), the unassigned tickets of a team (the partial index on
// team_id, status where assignee_id IS NULL), a team (team_id, ...), and
// the watched and mentioned tickets as a list of ticket ids. On
// PostgreSQL that list is ARRAY(SELECT ...), computed once per statement
// and matched against the primary key, so the planner combines the
// branches with a BitmapOr and estimates each from its statistics; an
// `id IN (SELECT ...)` branch inside an OR would instead be a subplan
// tested row by row, which the planner can neither use an index for nor
// estimate (it guesses half the table per branch). SQLite plans
// `id IN (SELECT ...)` inside an OR through its OR-by-union optimisation,
// one index per branch, so it keeps that form.
//
// NULLs: assignee_id = me is not true for an unassigned ticket, the
// unassigned branch tests assignee_id IS NULL itself, and the id lists
// hold no NULL (the join tables' columns are their primary keys), so a
// row is in the scope exactly when one branch is true.
func agentTicketScope(me gid.ID, teams, lead []gid.ID) predicate.Ticket {
	return func(s *sql.Selector) {
		or := []*sql.Predicate{sql.EQ(s.C(ticket.FieldAssigneeID), string(me))}
		if len(teams) > 0 {
			or = append(or, sql.And(sql.IsNull(s.C(ticket.FieldAssigneeID)), sql.In(s.C(ticket.FieldTeamID), gidArgs(teams)...)))
		}
		if len(lead) > 0 {
			or = append(or, sql.In(s.C(ticket.FieldTeamID), gidArgs(lead)...))
		}
		or = append(or,
			idAmong(s, watchedBy(me)),
			idAmong(s, mentionedIn(me)),
		)
		s.Where(sql.Or(or...))
	}
}

// idAmong is "the ticket's id is one of those ids selects": on
// PostgreSQL `id = ANY(ARRAY(ids))`, elsewhere `id IN (ids)` (see
// agentTicketScope for why).
func idAmong(s *sql.Selector, ids *sql.Selector) *sql.Predicate {
	col := s.C(ticket.FieldID)
	if s.Dialect() != dialect.Postgres {
		return sql.In(col, ids)
	}
	return sql.P(func(b *sql.Builder) {
		b.Ident(col).WriteString(" = ANY(ARRAY")
		b.Wrap(func(b *sql.Builder) { b.Join(ids) })
		b.WriteString(")")
	})
}

// watchedBy selects the ids of the tickets the agent watches, from the
// watchers' join table alone (ent's HasWatchersWith also joins agents,
// which adds nothing here: the agent id is in the join table).
func watchedBy(agentID gid.ID) *sql.Selector {
	w := sql.Table(ticket.WatchersTable).As("scope_w")
	return sql.Select(w.C(ticket.WatchersPrimaryKey[0])).From(w).
		Where(sql.EQ(w.C(ticket.WatchersPrimaryKey[1]), string(agentID)))
}

// mentionedIn selects the ids of the tickets with a comment that mentions
// the agent, from the mentions' join table and the comments (without
// joining agents).
func mentionedIn(agentID gid.ID) *sql.Selector {
	c, m := sql.Table(comment.Table).As("scope_c"), sql.Table(comment.MentionsTable).As("scope_m")
	return sql.Select(c.C(comment.FieldTicketID)).From(m).
		Join(c).On(m.C(comment.MentionsPrimaryKey[0]), c.C(comment.FieldID)).
		Where(sql.EQ(m.C(comment.MentionsPrimaryKey[1]), string(agentID)))
}

func gidArgs(ids []gid.ID) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}
