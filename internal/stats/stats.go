// Package stats counts and measures tickets for dashboards: one
// aggregation, grouped by any of the ticket's dimensions and a calendar
// period in a time zone, computed by the database in one statement and
// limited to the tickets the viewer may read. Every bucket carries the
// filter that lists exactly its tickets, so a chart drills down into the
// ticket list with the same numbers.
package stats

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"entgo.io/ent/dialect"

	"helpdesk/ent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
)

// Dimension is a ticket attribute tickets are grouped by.
type Dimension string

// The dimensions of ticketStats.
const (
	Status   Dimension = "STATUS"
	Priority Dimension = "PRIORITY"
	Channel  Dimension = "CHANNEL"
	Team     Dimension = "TEAM"
	Assignee Dimension = "ASSIGNEE"
	// Category groups by the category at Request.CategoryLevel: tickets of
	// deeper categories count under their ancestor at that level; tickets
	// of shallower ones under their own category.
	Category Dimension = "CATEGORY"
	Customer Dimension = "CUSTOMER"
	// Tag groups by tag: a ticket with several tags counts once under each
	// (and a ticket without tags under no tag), so counts need not add up
	// to the number of tickets.
	Tag Dimension = "TAG"
)

// Request is one aggregation.
type Request struct {
	// Where filters the tickets (nil: all the viewer may read). Its edge
	// filters must already be scoped (authz.ScopeFilter).
	Where *ent.TicketWhereInput
	// WrittenWhere is Where as the client wrote it (a TicketWhereInput
	// value); buckets' drill-down filters include it.
	WrittenWhere any
	GroupBy      []Dimension
	// CategoryLevel is the category level (1–3) of the Category dimension.
	CategoryLevel int
	// Bucket groups by a calendar period too, when not nil.
	Bucket *TimeBucket
	// Location is the time zone of the periods (UTC when nil).
	Location *time.Location
	// Measures are the figures to compute besides the count (every one
	// when nil); the others are left zero and nil in the buckets.
	Measures *Measures
}

// Measures names the figures of a bucket a request computes; Count is
// always computed. Durations cost the most: a time difference per ticket,
// and each percentile a sort per bucket.
type Measures struct {
	Open, Resolved            bool
	FirstResponse, Resolution DurationMeasures
	WorkingTime, WaitingTime  bool
	SLA                       bool
}

// DurationMeasures names the figures of a Durations to compute.
type DurationMeasures struct {
	Count, Average, Median, P90 bool
}

// any reports whether any figure is asked for.
func (d DurationMeasures) any() bool { return d.Count || d.Average || d.Median || d.P90 }

// percentiles reports whether a percentile is asked for.
func (d DurationMeasures) percentiles() bool { return d.Median || d.P90 }

// AllMeasures asks for every figure.
func AllMeasures() *Measures {
	all := DurationMeasures{Count: true, Average: true, Median: true, P90: true}
	return &Measures{Open: true, Resolved: true, FirstResponse: all, Resolution: all, WorkingTime: true, WaitingTime: true, SLA: true}
}

// Bucket is one group of tickets and its figures. A key is nil when the
// request does not group by it, or its tickets have none (no team, ...).
type Bucket struct {
	Status     *ticket.Status
	Priority   *schematype.Priority
	Channel    *ticket.Channel
	TeamID     *gid.ID
	AssigneeID *gid.ID
	CategoryID *gid.ID
	CustomerID *gid.ID
	TagID      *gid.ID
	Period     *Period

	// Where is the TicketWhereInput value (in its GraphQL form) that
	// lists exactly this bucket's tickets.
	Where map[string]any

	Count    int
	Open     int // UNASSIGNED, OPEN, IN_PROGRESS or WAITING
	Resolved int // resolved (and not reopened since): RESOLVED or CLOSED

	// FirstResponse is the time from creation to the first public agent
	// reply, of the tickets that have one; Resolution from creation to
	// resolution, of the resolved tickets.
	FirstResponse Durations
	Resolution    Durations
	// WorkingTime and WaitingTime total the time spent IN_PROGRESS and
	// WAITING.
	WorkingTime Total
	WaitingTime Total
	SLA         SLA

	// categoryKeyLevel is the level of CategoryID.
	categoryKeyLevel int
}

// Durations summarises durations in seconds; the averages are nil when
// Count is zero.
type Durations struct {
	Count   int
	Average *float64
	Median  *float64
	P90     *float64
}

// Total is a sum of seconds and its average per ticket.
type Total struct {
	Seconds int64
	Average *float64
}

// SLA counts the tickets under an SLA by the state the SLA engine keeps
// for them (tickets.sla_state): breached once any of their clocks
// breached, met when their clocks were met, pending while one runs or is
// paused. Tickets without a clock and cancelled tickets are not counted.
type SLA struct {
	Met      int
	Breached int
	Pending  int
}

// Compliance is the share of decided tickets that met their SLA, in
// percent; nil when none is decided.
func (s SLA) Compliance() *float64 {
	if s.Met+s.Breached == 0 {
		return nil
	}
	c := 100 * float64(s.Met) / float64(s.Met+s.Breached)
	return &c
}

// query runs one aggregation and reads its rows with read. On PostgreSQL
// it runs in a read-only transaction that first turns JIT compilation off
// and gives the statement's sorts more memory (statementSettings): the
// planner's estimates for these aggregations over a month or more of
// tickets pass jit_above_cost, and compiling took seconds where the
// statement itself takes milliseconds; the per-group sort of the
// percentiles spilled to disk with the default 4 MB.
func (s *Service) query(ctx context.Context, text string, args []any, read func(*sql.Rows) error) error {
	run := func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) error {
		rows, err := q.QueryContext(ctx, text, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := read(rows); err != nil {
			return err
		}
		return rows.Err()
	}
	if s.Dialect != dialect.Postgres {
		return run(s.Client)
	}
	tx, err := s.Client.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to undo
	c := tx.Client()
	settings, err := c.QueryContext(ctx, statementSettings)
	if err != nil {
		return err
	}
	if err := settings.Close(); err != nil {
		return err
	}
	if err := run(c); err != nil {
		return err
	}
	return tx.Commit()
}

// statementSettings are the PostgreSQL settings of the statistics
// statements, for their transaction only.
const statementSettings = "SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)"

// MaxBuckets bounds the buckets of one request.
const MaxBuckets = 5000

// Service computes ticket statistics.
type Service struct {
	Client  *ent.Client
	Dialect string
	Authz   *authz.Enforcer
}

// Tickets groups the tickets the viewer in ctx may read that match
// req.Where and returns one bucket per group, in a stable order.
// Statistics are for staff: customers' tokens are refused, and every
// other viewer's figures cover exactly the tickets their `tickets` list
// shows.
func (s *Service) Tickets(ctx context.Context, req Request) ([]*Bucket, error) {
	v, ok := auth.ViewerFrom(ctx)
	if !ok {
		return nil, apperr.Unauthenticated("authentication required")
	}
	if v.IsCustomer() {
		return nil, apperr.Forbidden("ticket statistics are not available to customers' tokens")
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	q, err := s.build(v, req)
	if err != nil {
		return nil, err
	}
	var buckets []*Bucket
	err = s.query(ctx, q.text, q.args, func(rows *sql.Rows) error {
		var err error
		buckets, err = q.scan(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("computing ticket statistics: %w", err)
	}
	if len(buckets) > MaxBuckets {
		return nil, apperr.Invalid("groupBy", "more than %d buckets: group by fewer dimensions, a longer time unit or a narrower filter", MaxBuckets)
	}
	for _, b := range buckets {
		b.Where = drillDown(req, q, b)
	}
	sortBuckets(buckets)
	return buckets, nil
}

// check validates the request's arguments.
func (req *Request) check() error {
	seen := map[Dimension]bool{}
	for _, d := range req.GroupBy {
		switch d {
		case Status, Priority, Channel, Team, Assignee, Category, Customer, Tag:
		default:
			return apperr.Invalid("groupBy", "unknown dimension %q", d)
		}
		if seen[d] {
			return apperr.Invalid("groupBy", "%s is listed twice", d)
		}
		seen[d] = true
	}
	if req.CategoryLevel == 0 {
		req.CategoryLevel = 1
	}
	if req.CategoryLevel < 1 || req.CategoryLevel > 3 {
		return apperr.Invalid("categoryLevel", "must be 1, 2 or 3")
	}
	if b := req.Bucket; b != nil {
		switch b.Unit {
		case Hour, Day, Week, Month:
		default:
			return apperr.Invalid("timeBucket.unit", "unknown unit %q", b.Unit)
		}
		switch b.Field {
		case "":
			b.Field = Created
		case Created, Resolved:
		default:
			return apperr.Invalid("timeBucket.field", "unknown time %q", b.Field)
		}
	}
	if req.Location == nil {
		req.Location = time.UTC
	}
	if req.Measures == nil {
		req.Measures = AllMeasures()
	}
	return nil
}
