package authz

import (
	"entgo.io/ent/dialect/sql"

	"helpdesk/ent/comment"
	"helpdesk/ent/predicate"
	"helpdesk/ent/ticket"
	"helpdesk/internal/gid"
)

// watchedBy is "the agent watches the ticket", read from the watchers'
// join table alone (ent's HasWatchersWith also joins agents, which adds
// nothing here: the agent id is in the join table).
func watchedBy(agentID gid.ID) predicate.Ticket {
	return func(s *sql.Selector) {
		w := sql.Table(ticket.WatchersTable)
		s.Where(sql.In(s.C(ticket.FieldID),
			sql.Select(w.C(ticket.WatchersPrimaryKey[0])).From(w).
				Where(sql.EQ(w.C(ticket.WatchersPrimaryKey[1]), string(agentID)))))
	}
}

// mentionedIn is "the agent is mentioned in a comment on the ticket",
// from the comments and the mentions' join table (without joining agents).
func mentionedIn(agentID gid.ID) predicate.Ticket {
	return func(s *sql.Selector) {
		c, m := sql.Table(comment.Table), sql.Table(comment.MentionsTable)
		s.Where(sql.In(s.C(ticket.FieldID),
			sql.Select(c.C(comment.FieldTicketID)).From(c).
				Join(m).On(c.C(comment.FieldID), m.C(comment.MentionsPrimaryKey[0])).
				Where(sql.EQ(m.C(comment.MentionsPrimaryKey[1]), string(agentID)))))
	}
}
