package stats

import (
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// sqlDialect writes what the two databases spell differently: time
// arithmetic, calendar periods in a time zone, and percentiles.
type sqlDialect interface {
	// seconds is the number of seconds from b to a (DOUBLE PRECISION).
	seconds(a, b string) string
	// localPeriod is the local start ("YYYY-MM-DD hh:mm:ss") of the
	// period of unit in loc holding the time in col; NULL when col is.
	localPeriod(col string, unit TimeUnit, loc *time.Location) entsql.Querier
	// aggregate groups the rows of base (one per ticket) by keys.
	aggregate(base string, keys []string, req Request) string
}

func dialectOf(name string) sqlDialect {
	if name == dialect.Postgres {
		return postgres{}
	}
	return &sqlite{}
}

// postgres has time zones, date_trunc and percentile_cont.
type postgres struct{}

// seconds is EXTRACT(EPOCH FROM a - b) as a double, computed without
// numeric arithmetic (which took about a third of a month's statistics):
// date_part adds the interval's whole days to its seconds, rounding
// twice, which can miss by the last bit; a microsecond is far above that
// error, so rounding to whole microseconds and dividing once gives the
// double nearest the exact value again, as the numeric did.
func (postgres) seconds(a, b string) string {
	return fmt.Sprintf("(round(date_part('epoch', %s - %s) * 1000000) / 1000000)", a, b)
}

func (postgres) localPeriod(col string, unit TimeUnit, loc *time.Location) entsql.Querier {
	return entsql.ExprFunc(func(b *entsql.Builder) {
		b.WriteString(fmt.Sprintf("to_char(date_trunc('%s', %s AT TIME ZONE ", strings.ToLower(string(unit)), col))
		b.Arg(loc.String())
		b.WriteString("), 'YYYY-MM-DD HH24:MI:SS')")
	})
}

func (postgres) aggregate(base string, keys []string, req Request) string {
	pct := func(col string, p string) string {
		return fmt.Sprintf("percentile_cont(%s) WITHIN GROUP (ORDER BY %s)", p, col)
	}
	return "WITH st_base AS (" + base + ") SELECT " + selectList(keys, pct, req.Measures) + " FROM st_base" + groupBy(keys)
}

// sqlite has no time zones and no percentile function: times are stored
// as text (Go's time.Time.String, in UTC), offsets come from a table of
// the zone's periods computed in Go, and percentiles from each value's
// rank within its group.
type sqlite struct {
	zone []zonePeriod // the periods localPeriod refers to, if any
}

// epoch is the Unix time (with fractions of a second) of a stored time:
// "2006-01-02 15:04:05.999999999 +0000 UTC".
func (*sqlite) epoch(col string) string {
	frac := fmt.Sprintf("substr(%s, 20)", col)
	return fmt.Sprintf("(unixepoch(substr(%[1]s, 1, 19)) + CASE WHEN substr(%[1]s, 20, 1) = '.' THEN CAST('0' || substr(%[2]s, 1, CASE WHEN instr(%[2]s, ' ') > 0 THEN instr(%[2]s, ' ') - 1 ELSE length(%[2]s) END) AS REAL) ELSE 0 END)", col, frac)
}

func (d *sqlite) seconds(a, b string) string {
	return fmt.Sprintf("CAST(%s - %s AS REAL)", d.epoch(a), d.epoch(b))
}

func (d *sqlite) localPeriod(col string, unit TimeUnit, loc *time.Location) entsql.Querier {
	e := d.epoch(col)
	d.zone = zonePeriods(loc)
	offset := fmt.Sprint(d.zone[0].offset)
	if len(d.zone) > 1 {
		offset = fmt.Sprintf("(SELECT st_zone.off FROM st_zone WHERE st_zone.since <= %s ORDER BY st_zone.since DESC LIMIT 1)", e)
	}
	local := fmt.Sprintf("(%s + %s)", e, offset)
	var expr string
	switch unit {
	case Hour:
		expr = fmt.Sprintf("strftime('%%Y-%%m-%%d %%H:00:00', %s, 'unixepoch')", local)
	case Day:
		expr = fmt.Sprintf("strftime('%%Y-%%m-%%d 00:00:00', %s, 'unixepoch')", local)
	case Week: // back to Monday
		expr = fmt.Sprintf("strftime('%%Y-%%m-%%d 00:00:00', %s, 'unixepoch', '-6 days', 'weekday 1')", local)
	case Month:
		expr = fmt.Sprintf("strftime('%%Y-%%m-01 00:00:00', %s, 'unixepoch')", local)
	}
	return entsql.Raw(expr)
}

func (d *sqlite) aggregate(base string, keys []string, req Request) string {
	var w strings.Builder
	w.WriteString("WITH ")
	if len(d.zone) > 1 {
		w.WriteString("st_zone(since, off) AS (VALUES ")
		for i, p := range d.zone {
			if i > 0 {
				w.WriteString(", ")
			}
			fmt.Fprintf(&w, "(%d, %d)", p.since, p.offset)
		}
		w.WriteString("), ")
	}
	partition := ""
	if len(keys) > 0 {
		partition = "PARTITION BY " + strings.Join(keys, ", ")
	}
	// Each value's rank in its group, for the percentiles asked for.
	ranks := ""
	for i, d := range []DurationMeasures{req.Measures.FirstResponse, req.Measures.Resolution} {
		if col := []string{"frt", "res"}[i]; d.percentiles() {
			ranks += fmt.Sprintf(", ROW_NUMBER() OVER (%[2]s ORDER BY %[1]s IS NULL, %[1]s) AS %[1]s_rn, COUNT(%[1]s) OVER (%[2]s) AS %[1]s_n", col, partition)
		}
	}
	fmt.Fprintf(&w, "st_base AS (%s), st_ranked AS (SELECT st_base.*%s FROM st_base) ", base, ranks)
	// percentile_cont: the value at rank 1 + p(n-1), interpolated
	// between its neighbours; p is in tenths so the rank is exact.
	pct := func(col, p string) string {
		tenths := map[string]string{"0.5": "5", "0.9": "9"}[p]
		pos := fmt.Sprintf("(%s * (%s_n - 1))", tenths, col)
		at := func(k int) string {
			return fmt.Sprintf("MAX(CASE WHEN %[1]s_rn = %[2]s / 10 + %[3]d THEN %[1]s END)", col, pos, k)
		}
		return fmt.Sprintf("(%[1]s + COALESCE((MAX(%[3]s %% 10) / 10.0) * (%[2]s - %[1]s), 0))", at(1), at(2), pos)
	}
	w.WriteString("SELECT " + selectList(keys, pct, req.Measures) + " FROM st_ranked" + groupBy(keys))
	return w.String()
}

// selectList is the outer select of both dialects: the keys, then the
// measures in the order statement.scan reads them, NULL for those m does
// not ask for.
func selectList(keys []string, pct func(col, p string) string, m *Measures) string {
	cols := append([]string{}, keys...)
	if_ := func(asked bool, expr string) string {
		if asked {
			return expr
		}
		return "NULL"
	}
	durations := func(col string, d DurationMeasures) []string {
		return []string{if_(d.Count, "COUNT("+col+")"), if_(d.Average, "AVG("+col+")"), if_(d.Median, pct(col, "0.5")), if_(d.P90, pct(col, "0.9"))}
	}
	cols = append(cols, "COUNT(*)", if_(m.Open, "CAST(SUM(is_open) AS BIGINT)"), if_(m.Resolved, "CAST(SUM(is_resolved) AS BIGINT)"))
	cols = append(cols, durations("frt", m.FirstResponse)...)
	cols = append(cols, durations("res", m.Resolution)...)
	cols = append(cols,
		if_(m.WorkingTime, "CAST(SUM(working) AS BIGINT)"), if_(m.WaitingTime, "CAST(SUM(waiting) AS BIGINT)"),
		if_(m.SLA, "CAST(SUM(CASE WHEN sla = 1 THEN 1 ELSE 0 END) AS BIGINT)"),
		if_(m.SLA, "CAST(SUM(CASE WHEN sla = 2 THEN 1 ELSE 0 END) AS BIGINT)"),
		if_(m.SLA, "CAST(SUM(CASE WHEN sla = 0 THEN 1 ELSE 0 END) AS BIGINT)"),
	)
	return strings.Join(cols, ", ")
}

// groupBy groups by the keys, and reads one bucket more than MaxBuckets
// so that a request with too many is refused rather than cut short.
func groupBy(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	return " GROUP BY " + strings.Join(keys, ", ") + fmt.Sprintf(" LIMIT %d", MaxBuckets+1)
}
