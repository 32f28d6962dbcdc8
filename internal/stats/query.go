package stats

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/category"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// statement is one aggregation as SQL, and how to read its rows.
type statement struct {
	text string
	args []any
	// keys are the key columns' dimensions, in order (k0, k1, ...).
	keys []Dimension
	// categoryLevel is set when the request groups by category: the
	// statement then also returns the level of each category key (kl).
	categoryLevel int
	bucket        *TimeBucket
	loc           *time.Location
	measures      *Measures
}

// build writes the aggregation of req for viewer v: a first statement
// (base) reads one row per ticket (per tag, when grouping by tag) of the
// tickets v may read that match the filter, with its keys and measures;
// the outer statement groups them. PostgreSQL computes percentiles with
// percentile_cont; SQLite, which has none, ranks each group's values with
// window functions and interpolates the same way.
func (s *Service) build(v auth.Viewer, req Request) (*statement, error) {
	st := &statement{keys: req.GroupBy, bucket: req.Bucket, loc: req.Location, measures: req.Measures}
	m := req.Measures
	d := dialectOf(s.Dialect)
	sel := entsql.Dialect(s.Dialect).Select().From(entsql.Table(ticket.Table))
	c := sel.C
	var keyCols []string
	for i, dim := range req.GroupBy {
		name := "k" + strconv.Itoa(i)
		keyCols = append(keyCols, name)
		var key string
		switch dim {
		case Status:
			key = c(ticket.FieldStatus)
		case Priority:
			key = c(ticket.FieldPriority)
		case Channel:
			key = c(ticket.FieldChannel)
		case Team:
			key = c(ticket.FieldTeamID)
		case Assignee:
			key = c(ticket.FieldAssigneeID)
		case Customer:
			key = c(ticket.FieldCustomerID)
		case Tag:
			tags := entsql.Table(ticket.TagsTable).As("st_tags")
			sel.LeftJoin(tags).On(c(ticket.FieldID), tags.C(ticket.TagsPrimaryKey[0]))
			key = tags.C(ticket.TagsPrimaryKey[1])
		case Category:
			key = categoryKey(sel, req.CategoryLevel)
			st.categoryLevel = req.CategoryLevel
		}
		sel.AppendSelectExprAs(entsql.Raw(key), name)
		if dim == Category {
			keyCols = append(keyCols, "kl")
			sel.AppendSelectExprAs(entsql.Raw(categoryKeyLevel(req.CategoryLevel)), "kl")
		}
	}
	if b := req.Bucket; b != nil {
		col := c(ticket.FieldCreatedAt)
		if b.Field == Resolved {
			col = c(ticket.FieldResolvedAt)
		}
		keyCols = append(keyCols, "kt")
		sel.AppendSelectExprAs(d.localPeriod(col, b.Unit, req.Location), "kt")
	}
	// The measures of each ticket, those the request asks for.
	if m.Open {
		open := []string{}
		for _, st := range []ticket.Status{ticket.StatusUNASSIGNED, ticket.StatusOPEN, ticket.StatusIN_PROGRESS, ticket.StatusWAITING} {
			open = append(open, "'"+string(st)+"'")
		}
		sel.AppendSelectExprAs(entsql.Raw(fmt.Sprintf("CASE WHEN %s IN (%s) THEN 1 ELSE 0 END", c(ticket.FieldStatus), strings.Join(open, ", "))), "is_open")
	}
	if m.Resolved {
		sel.AppendSelectExprAs(entsql.Raw(fmt.Sprintf("CASE WHEN %s IS NOT NULL THEN 1 ELSE 0 END", c(ticket.FieldResolvedAt))), "is_resolved")
	}
	if m.FirstResponse.any() {
		sel.AppendSelectExprAs(entsql.Raw(fmt.Sprintf("CASE WHEN %[1]s IS NOT NULL THEN %[2]s END", c(ticket.FieldFirstRespondedAt), d.seconds(c(ticket.FieldFirstRespondedAt), c(ticket.FieldCreatedAt)))), "frt")
	}
	if m.Resolution.any() {
		sel.AppendSelectExprAs(entsql.Raw(fmt.Sprintf("CASE WHEN %[1]s IS NOT NULL THEN %[2]s END", c(ticket.FieldResolvedAt), d.seconds(c(ticket.FieldResolvedAt), c(ticket.FieldCreatedAt)))), "res")
	}
	if m.WorkingTime {
		sel.AppendSelectExprAs(entsql.Raw(c(ticket.FieldWorkingSeconds)), "working")
	}
	if m.WaitingTime {
		sel.AppendSelectExprAs(entsql.Raw(c(ticket.FieldWaitingSeconds)), "waiting")
	}
	if m.SLA {
		sel.AppendSelectExprAs(entsql.Raw(slaOutcomeSQL(c)), "sla")
	}

	if req.Where != nil {
		p, err := req.Where.P()
		switch {
		case errors.Is(err, ent.ErrEmptyTicketWhereInput):
		case err != nil:
			return nil, apperr.Invalid("where", "%s", err)
		default:
			p(sel)
		}
	}
	// The read scope of the `tickets` list (authz.InstallScopes), on the
	// same rows.
	if scope := s.Authz.TicketScope(v); scope != nil {
		scope(sel)
	}
	base, args := sel.Query()
	st.args = args
	st.text = d.aggregate(base, keyCols, req)
	return st, nil
}

// categoryKey joins a ticket's category and its ancestors and returns the
// key of the category at level: the ancestor at that level, or the
// ticket's own category when it is shallower.
func categoryKey(sel *entsql.Selector, level int) string {
	own := sel.C(ticket.FieldCategoryID)
	if level == 3 {
		return own
	}
	c1 := entsql.Table(category.Table).As("st_c1")
	c2 := entsql.Table(category.Table).As("st_c2")
	sel.LeftJoin(c1).On(own, c1.C(category.FieldID))
	sel.LeftJoin(c2).On(c1.C(category.FieldParentID), c2.C(category.FieldID))
	if level == 2 {
		return "CASE WHEN st_c1.level <= 2 THEN st_c1.id ELSE st_c2.id END"
	}
	c3 := entsql.Table(category.Table).As("st_c3")
	sel.LeftJoin(c3).On(c2.C(category.FieldParentID), c3.C(category.FieldID))
	return "CASE st_c1.level WHEN 1 THEN st_c1.id WHEN 2 THEN st_c2.id ELSE st_c3.id END"
}

// categoryKeyLevel is the level of the category key (see categoryKey).
func categoryKeyLevel(level int) string {
	if level == 3 {
		return "(SELECT st_cl.level FROM categories st_cl WHERE st_cl.id = tickets.category_id)"
	}
	return fmt.Sprintf("CASE WHEN st_c1.level < %[1]d THEN st_c1.level WHEN st_c1.level IS NOT NULL THEN %[1]d END", level)
}

// slaOutcomeSQL is a ticket's SLA outcome: 1 met, 2 breached, 0
// pending, NULL when it has no SLA clock (or was cancelled). It reads the
// state the SLA engine keeps on the ticket (tickets.sla_state, the
// summary of its clocks, see sla.Summarize): BREACHED once any clock
// breached, MET when its clocks were met, pending while a clock runs or
// is paused. This is the one place that turns that state into an outcome.
func slaOutcomeSQL(c func(string) string) string {
	return fmt.Sprintf("CASE WHEN %[1]s = '%[2]s' THEN NULL WHEN %[3]s = '%[4]s' THEN 2 WHEN %[3]s = '%[5]s' THEN 1 "+
		"WHEN %[3]s IN ('%[6]s', '%[7]s', '%[8]s') THEN 0 END",
		c(ticket.FieldStatus), ticket.StatusCANCELLED, c(ticket.FieldSLAState),
		ticket.SLAStateBREACHED, ticket.SLAStateMET, ticket.SLAStateON_TRACK, ticket.SLAStateAT_RISK, ticket.SLAStatePAUSED)
}

// measures are the aggregate columns of every bucket, read in this order
// after the keys.
const measures = 16

// scan reads the buckets of the statement's rows.
func (st *statement) scan(rows *sql.Rows) ([]*Bucket, error) {
	var out []*Bucket
	for rows.Next() {
		keys := make([]sql.NullString, len(st.keys))
		var level sql.NullInt64
		var period sql.NullString
		dest := make([]any, 0, len(keys)+2+measures)
		for i, dim := range st.keys {
			dest = append(dest, &keys[i])
			if dim == Category {
				dest = append(dest, &level)
			}
		}
		if st.bucket != nil {
			dest = append(dest, &period)
		}
		b := &Bucket{}
		var count, open, resolved, frN, resN, working, waiting, met, breached, pending sql.NullInt64
		var frAvg, frMed, frP90, resAvg, resMed, resP90 sql.NullFloat64
		dest = append(dest, &count, &open, &resolved,
			&frN, &frAvg, &frMed, &frP90,
			&resN, &resAvg, &resMed, &resP90,
			&working, &waiting, &met, &breached, &pending)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if count.Int64 == 0 {
			continue // no ticket at all: no bucket
		}
		for i, dim := range st.keys {
			if !keys[i].Valid {
				continue
			}
			k := keys[i].String
			switch dim {
			case Status:
				s := ticket.Status(k)
				b.Status = &s
			case Priority:
				p := schematype.Priority(k)
				b.Priority = &p
			case Channel:
				ch := ticket.Channel(k)
				b.Channel = &ch
			case Team:
				b.TeamID = idOf(k)
			case Assignee:
				b.AssigneeID = idOf(k)
			case Customer:
				b.CustomerID = idOf(k)
			case Tag:
				b.TagID = idOf(k)
			case Category:
				b.CategoryID = idOf(k)
			}
		}
		if period.Valid {
			p, err := periodOf(st.bucket.Unit, st.loc, period.String)
			if err != nil {
				return nil, err
			}
			b.Period = &p
		}
		b.categoryKeyLevel = int(level.Int64)
		b.Count, b.Open, b.Resolved = int(count.Int64), int(open.Int64), int(resolved.Int64)
		b.FirstResponse = Durations{Count: int(frN.Int64), Average: float(frAvg), Median: float(frMed), P90: float(frP90)}
		b.Resolution = Durations{Count: int(resN.Int64), Average: float(resAvg), Median: float(resMed), P90: float(resP90)}
		if st.measures.WorkingTime {
			b.WorkingTime = Total{Seconds: working.Int64, Average: average(working.Int64, b.Count)}
		}
		if st.measures.WaitingTime {
			b.WaitingTime = Total{Seconds: waiting.Int64, Average: average(waiting.Int64, b.Count)}
		}
		b.SLA = SLA{Met: int(met.Int64), Breached: int(breached.Int64), Pending: int(pending.Int64)}
		out = append(out, b)
	}
	return out, rows.Err()
}

func idOf(s string) *gid.ID {
	id := gid.ID(s)
	return &id
}

func float(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

func average(sum int64, n int) *float64 {
	if n == 0 {
		return nil
	}
	a := float64(sum) / float64(n)
	return &a
}
