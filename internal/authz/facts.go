package authz

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/comment"
	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// TicketFacts is what the "read ticket" policy reads of a ticket: the
// ticket's own columns (assignee, team, customer, internal flag) and the
// agents who watch it or are mentioned on it. With them, whether any
// viewer may read the ticket is decided in memory (CanReadTicket), so a
// live queue can decide for all its subscribers' scopes at once from one
// read of the facts; the lists and counts decide the same in SQL
// (TicketScope), and a test keeps the two in step.
type TicketFacts struct {
	Ticket    *ent.Ticket
	Watchers  []gid.ID
	Mentioned []gid.ID
}

// ReadTicketFacts reads, as the system, the watchers and mentioned agents
// of tickets (loaded by the caller, every column) in one statement, and
// returns their facts by ticket id. client must offer raw queries
// (ent's QueryContext).
func ReadTicketFacts(ctx context.Context, client *ent.Client, dialect string, tickets []*ent.Ticket) (map[gid.ID]*TicketFacts, error) {
	facts := make(map[gid.ID]*TicketFacts, len(tickets))
	ids := make([]any, 0, len(tickets))
	for _, t := range tickets {
		if facts[t.ID] == nil {
			facts[t.ID] = &TicketFacts{Ticket: t}
			ids = append(ids, string(t.ID))
		}
	}
	if len(ids) == 0 {
		return facts, nil
	}
	w := sql.Table(ticket.WatchersTable)
	watchers := sql.Dialect(dialect).
		Select(w.C(ticket.WatchersPrimaryKey[0]), w.C(ticket.WatchersPrimaryKey[1])).
		AppendSelectExpr(sql.Expr("0")).
		From(w).Where(sql.In(w.C(ticket.WatchersPrimaryKey[0]), ids...))
	c, m := sql.Table(comment.Table), sql.Table(comment.MentionsTable)
	mentions := sql.Dialect(dialect).Select().From(c)
	// Joining names (aliases) the joined table: its columns are taken
	// after.
	mentions.Join(m).On(c.C(comment.FieldID), m.C(comment.MentionsPrimaryKey[0]))
	mentions.Select(c.C(comment.FieldTicketID), m.C(comment.MentionsPrimaryKey[1])).
		AppendSelectExpr(sql.Expr("1")).
		Where(sql.In(c.C(comment.FieldTicketID), ids...))
	query, args := watchers.UnionAll(mentions).Query()
	rows, err := client.QueryContext(system(ctx), query, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the tickets' watchers and mentions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ticketID, agentID string
		var kind int
		if err := rows.Scan(&ticketID, &agentID, &kind); err != nil {
			return nil, fmt.Errorf("reading the tickets' watchers and mentions: %w", err)
		}
		f := facts[gid.ID(ticketID)]
		if f == nil {
			continue
		}
		if kind == 0 {
			f.Watchers = append(f.Watchers, gid.ID(agentID))
		} else if !slices.Contains(f.Mentioned, gid.ID(agentID)) {
			f.Mentioned = append(f.Mentioned, gid.ID(agentID))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the tickets' watchers and mentions: %w", err)
	}
	return facts, nil
}

// CanReadTicket decides in memory whether the viewer may read the ticket
// f describes: Can's "read" on the ticket's resource, exactly as the
// one-ticket checks ask it (TicketResource), so it is the rule that
// TicketScope puts in SQL.
func (en *Enforcer) CanReadTicket(v auth.Viewer, f *TicketFacts) (bool, error) {
	res := baseTicketResource(v, f.Ticket)
	if v.IsAgent() {
		res.Watching = slices.Contains(f.Watchers, v.AgentID)
		res.Mentioned = slices.Contains(f.Mentioned, v.AgentID)
	}
	return en.Can(v, ActRead, TicketDomain(f.Ticket), res)
}

// CanReadTicketHistory decides in memory whether the viewer may read the
// events of the ticket f describes: TicketEventScope's rule (customers
// read no history; others the history of the tickets they may read).
func (en *Enforcer) CanReadTicketHistory(v auth.Viewer, f *TicketFacts) (bool, error) {
	if v.IsCustomer() {
		return false, nil
	}
	return en.CanReadTicket(v, f)
}
