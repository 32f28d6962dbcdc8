// Package export writes the tickets a viewer may list — filtered like the
// `tickets` query, searched like `tickets(search:)` — as CSV, XLSX or PDF,
// for people who take reports elsewhere.
//
// Rows are read in pages of PageSize by ticket number and written as they
// come, so exports of any size run in bounded memory: CSV rows, XLSX rows
// and PDF pages go out as they are made.
package export

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/category"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/search"
)

// Format is an export file format.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
	PDF  Format = "pdf"
)

// ParseFormat reads a format name; anything else is BAD_USER_INPUT on
// "format".
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case CSV, XLSX, PDF:
		return f, nil
	}
	return "", apperr.Invalid("format", "must be csv, xlsx or pdf")
}

// ContentType is the MIME type of the format.
func (f Format) ContentType() string {
	switch f {
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case PDF:
		return "application/pdf"
	}
	return "text/csv; charset=utf-8"
}

// PageSize is how many tickets one read fetches.
const PageSize = 500

// Columns are the columns of every export, in order.
var Columns = []string{
	"Number", "Title", "Customer", "Category", "Team", "Assignee", "Status", "Priority", "Channel",
	"Created", "First response", "Resolved", "Working time", "Waiting time", "SLA state",
}

// Request is what to export.
type Request struct {
	Format Format
	// Where filters the tickets like the `where` argument of `tickets`;
	// nil exports every ticket the viewer may read.
	Where *ent.TicketWhereInput
	// Search, when not empty, keeps the tickets `tickets(search:)` finds.
	Search string
	// Location is the time zone of the times written; nil is UTC.
	Location *time.Location
}

// Service exports tickets for the viewer in the context.
type Service struct {
	// Client must have the read scopes installed (authz.InstallScopes):
	// they decide which tickets the viewer gets.
	Client *ent.Client
	Authz  *authz.Enforcer
	Search *search.Service
}

// Tickets writes the tickets of req to w. The viewer needs what the
// `tickets` query needs, and gets the rows it would list, nothing more:
// the same read scope, and a filter over edges scoped like the query's.
// Bad input is refused before anything is written.
func (s *Service) Tickets(ctx context.Context, w io.Writer, req Request) error {
	if err := authz.CheckOperation(ctx, "query.tickets"); err != nil {
		return err
	}
	v, _ := auth.ViewerFrom(ctx)
	if _, err := s.Authz.ScopeFilter(v, req.Where); err != nil {
		return err
	}
	q, err := req.Where.Filter(s.Client.Ticket.Query())
	if err != nil {
		return apperr.Invalid("where", "%v", err)
	}
	if strings.TrimSpace(req.Search) != "" {
		match, err := s.Search.TicketFilter(ctx, req.Search)
		if err != nil {
			return err
		}
		q = q.Where(match)
	}
	sheet, err := newSheet(req.Format, w)
	if err != nil {
		return err
	}
	paths, err := categoryPaths(ctx, s.Client)
	if err != nil {
		return err
	}
	loc := req.Location
	if loc == nil {
		loc = time.UTC
	}
	if err := sheet.header(Columns); err != nil {
		return err
	}
	last := 0
	for {
		page, err := q.Clone().Where(ticket.NumberGT(last)).Order(ticket.ByNumber()).Limit(PageSize).
			WithCustomer().WithTeam().WithAssignee().All(ctx)
		if err != nil {
			return fmt.Errorf("reading tickets to export: %w", err)
		}
		for _, t := range page {
			if err := sheet.row(cells(t, paths, loc)); err != nil {
				return err
			}
			last = t.Number
		}
		if len(page) < PageSize {
			break
		}
	}
	return sheet.close()
}

// cells is one ticket's row, as text.
// The SLA state is the one the SLA engine keeps on the ticket.
func cells(t *ent.Ticket, paths map[gid.ID]string, loc *time.Location) []string {
	var customer, team, assignee, path string
	if c := t.Edges.Customer; c != nil {
		customer = c.Name
	}
	if tm := t.Edges.Team; tm != nil {
		team = tm.Name
	}
	if a := t.Edges.Assignee; a != nil {
		assignee = a.Name
	}
	if t.CategoryID != nil {
		path = paths[*t.CategoryID]
	}
	return []string{
		fmt.Sprint(t.Number), t.Title, customer, path, team, assignee,
		string(t.Status), string(t.Priority), string(t.Channel),
		formatTime(&t.CreatedAt, loc), formatTime(t.FirstRespondedAt, loc), formatTime(t.ResolvedAt, loc),
		formatDuration(t.WorkingSeconds), formatDuration(t.WaitingSeconds),
		string(t.SLAState),
	}
}

func formatTime(t *time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// formatDuration writes seconds as hours:minutes:seconds.
func formatDuration(seconds int) string {
	return fmt.Sprintf("%d:%02d:%02d", seconds/3600, seconds/60%60, seconds%60)
}

// categoryPaths maps every category to its path from the top, e.g.
// "Orders › Delivery › Late". Categories are few and readable by all.
func categoryPaths(ctx context.Context, client *ent.Client) (map[gid.ID]string, error) {
	all, err := client.Category.Query().Select(category.FieldID, category.FieldName, category.FieldParentID).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading categories: %w", err)
	}
	byID := make(map[gid.ID]*ent.Category, len(all))
	for _, c := range all {
		byID[c.ID] = c
	}
	paths := make(map[gid.ID]string, len(all))
	for _, c := range all {
		var names []string
		for at, depth := c, 0; at != nil && depth < 3; depth++ {
			names = append([]string{at.Name}, names...)
			if at.ParentID == nil {
				break
			}
			at = byID[*at.ParentID]
		}
		paths[c.ID] = strings.Join(names, " › ")
	}
	return paths, nil
}
