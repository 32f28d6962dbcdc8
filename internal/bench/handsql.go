package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lib/pq"
)

// handQueueSQL fetches the rows of QueueQuery as one hand-written
// PostgreSQL statement: the page of the agent's queue under the same read
// scope with its total, then its customers, assignees, category paths
// and tags for those rows only. The scope is written as an index can
// serve it (the watched and mentioned ids as arrays matched on the
// primary key, see authz.TicketScope), so the comparison is with the
// best plan, not with a subplan run per ticket.
const handQueueSQL = `
WITH page AS (
	SELECT t.id, t.number, t.title, t.status, t.priority, t.priority_rank, t.created_at,
		t.first_response_due_at, t.resolution_due_at, t.customer_id, t.assignee_id, t.category_id,
		COUNT(*) OVER () AS total
	FROM tickets t
	WHERE t.team_id = $1 AND t.status IN ('UNASSIGNED', 'OPEN', 'IN_PROGRESS', 'WAITING')
		AND (t.assignee_id = $2
			OR (t.assignee_id IS NULL AND t.team_id = ANY($3))
			OR t.id = ANY(ARRAY(SELECT w.ticket_id FROM ticket_watchers w WHERE w.agent_id = $2))
			OR t.id = ANY(ARRAY(SELECT c.ticket_id FROM comment_mentions m JOIN comments c ON c.id = m.comment_id WHERE m.agent_id = $2)))
	ORDER BY t.priority_rank, t.created_at, t.id
	LIMIT 51
)
SELECT p.id, p.number, p.title, p.status, p.priority, p.created_at, p.first_response_due_at, p.resolution_due_at, p.total,
	cu.id, cu.name, ag.id, ag.name,
	k1.id, k1.name, k2.id, k2.name, k3.id, k3.name,
	(SELECT string_agg(tg.name, ',') FROM ticket_tags tt JOIN tags tg ON tg.id = tt.tag_id WHERE tt.ticket_id = p.id)
FROM page p
LEFT JOIN customers cu ON cu.id = p.customer_id
LEFT JOIN agents ag ON ag.id = p.assignee_id
LEFT JOIN categories k1 ON k1.id = p.category_id
LEFT JOIN categories k2 ON k2.id = k1.parent_id
LEFT JOIN categories k3 ON k3.id = k2.parent_id
ORDER BY p.priority_rank, p.created_at, p.id`

// handQueue returns clients running handQueueSQL, prepared, with the same
// agents and teams as the queue scenario; each encodes its rows as JSON,
// as the API does.
func handQueue(ctx context.Context, db *sql.DB, s *scenarios) ([]request, func(), error) {
	stmt, err := db.PrepareContext(ctx, handQueueSQL)
	if err != nil {
		return nil, nil, fmt.Errorf("preparing the hand-written queue query: %w", err)
	}
	var out []request
	for i := range s.clients {
		a := s.agentFor(i)
		teams := pq.Array(teamIDs(a))
		out = append(out, func(ctx context.Context) error {
			rows, err := stmt.QueryContext(ctx, string(a.Team), string(a.ID), teams)
			if err != nil {
				return err
			}
			defer rows.Close()
			page, err := scanQueue(rows)
			if err != nil {
				return err
			}
			return json.NewEncoder(io.Discard).Encode(page)
		})
	}
	return out, func() { stmt.Close() }, nil
}

type queueRow struct {
	ID                 string     `json:"id"`
	Number             int        `json:"number"`
	Title              string     `json:"title"`
	Status             string     `json:"status"`
	Priority           string     `json:"priority"`
	CreatedAt          time.Time  `json:"createdAt"`
	FirstResponseDueAt *time.Time `json:"firstResponseDueAt"`
	ResolutionDueAt    *time.Time `json:"resolutionDueAt"`
	Customer           *namedRef  `json:"customer"`
	Assignee           *namedRef  `json:"assignee"`
	CategoryPath       []namedRef `json:"categoryPath"`
	Tags               []namedRef `json:"tags"`
	total              int        `json:"-"`
	names              [10]sql.NullString
}

type namedRef struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

type queuePage struct {
	TotalCount int        `json:"totalCount"`
	Nodes      []queueRow `json:"edges"`
}

func scanQueue(rows *sql.Rows) (*queuePage, error) {
	page := &queuePage{}
	for rows.Next() {
		var r queueRow
		var tags sql.NullString
		n := &r.names
		if err := rows.Scan(&r.ID, &r.Number, &r.Title, &r.Status, &r.Priority, &r.CreatedAt, &r.FirstResponseDueAt, &r.ResolutionDueAt, &r.total,
			&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7], &n[8], &n[9], &tags); err != nil {
			return nil, err
		}
		if n[0].Valid {
			r.Customer = &namedRef{ID: n[0].String, Name: n[1].String}
		}
		if n[2].Valid {
			r.Assignee = &namedRef{ID: n[2].String, Name: n[3].String}
		}
		for i := 4; i < len(n); i += 2 {
			if n[i].Valid {
				r.CategoryPath = append([]namedRef{{ID: n[i].String, Name: n[i+1].String}}, r.CategoryPath...)
			}
		}
		if tags.Valid {
			for _, t := range strings.Split(tags.String, ",") {
				r.Tags = append(r.Tags, namedRef{Name: t})
			}
		}
		page.TotalCount = r.total
		page.Nodes = append(page.Nodes, r)
	}
	if len(page.Nodes) > 50 {
		page.Nodes = page.Nodes[:50]
	}
	return page, rows.Err()
}
