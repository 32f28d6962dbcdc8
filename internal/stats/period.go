package stats

import (
	"fmt"
	"time"

	"helpdesk/internal/apperr"
)

// TimeUnit is the length of a time bucket, on the calendar of a time zone.
type TimeUnit string

// The time units of a time bucket. Weeks start on Monday.
const (
	Hour  TimeUnit = "HOUR"
	Day   TimeUnit = "DAY"
	Week  TimeUnit = "WEEK"
	Month TimeUnit = "MONTH"
)

// TimeField is the time of a ticket a time bucket groups by.
type TimeField string

// The times a ticket can be bucketed by.
const (
	Created  TimeField = "CREATED"
	Resolved TimeField = "RESOLVED"
)

// TimeBucket groups tickets by the calendar period (in Request.Location)
// holding one of their times.
type TimeBucket struct {
	Unit  TimeUnit
	Field TimeField
}

// Period is one time bucket: [Start, End) in UTC, the bounds of a local
// calendar period.
type Period struct {
	Start time.Time
	End   time.Time
}

// LoadLocation returns the IANA time zone name (UTC when empty), or a
// BAD_USER_INPUT error naming field.
func LoadLocation(field, name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	for _, r := range name {
		// IANA names are ASCII letters, digits and _ - + /; Local is the
		// server's zone, not a client's.
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '+' || r == '/') {
			return nil, apperr.Invalid(field, "%q is not an IANA time zone name (e.g. Asia/Ho_Chi_Minh)", name)
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, apperr.Invalid(field, "%q is not an IANA time zone name (e.g. Asia/Ho_Chi_Minh)", name)
	}
	return loc, nil
}

// localLayout is how both databases return the local start of a bucket.
const localLayout = "2006-01-02 15:04:05"

// periodOf turns the local start of a bucket, as the database returns it,
// into its bounds. The end is the start of the next local period, so
// buckets tile time with no gap or overlap.
func periodOf(unit TimeUnit, loc *time.Location, local string) (Period, error) {
	t, err := time.ParseInLocation(localLayout, local, loc)
	if err != nil {
		return Period{}, fmt.Errorf("reading a bucket's start %q: %w", local, err)
	}
	y, m, d := t.Date()
	h := t.Hour()
	var start, end time.Time
	switch unit {
	case Hour:
		start, end = time.Date(y, m, d, h, 0, 0, 0, loc), time.Date(y, m, d, h+1, 0, 0, 0, loc)
	case Day:
		start, end = time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	case Week:
		start, end = time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+7, 0, 0, 0, 0, loc)
	case Month:
		start, end = time.Date(y, m, 1, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	default:
		return Period{}, fmt.Errorf("unknown time unit %q", unit)
	}
	return Period{Start: start.UTC(), End: end.UTC()}, nil
}

// zonePeriod is a span of time with one UTC offset in a time zone.
type zonePeriod struct {
	since  int64 // Unix seconds; the first period starts at the beginning of time
	offset int   // seconds east of UTC
}

// zoneFrom and zoneUntil bound the offsets SQLite is given; times outside
// use the nearest period's offset.
var (
	zoneFrom  = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	zoneUntil = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// zonePeriods lists the UTC offsets of loc between zoneFrom and zoneUntil,
// for databases that have no time zone data (SQLite).
func zonePeriods(loc *time.Location) []zonePeriod {
	_, off := zoneFrom.In(loc).Zone()
	out := []zonePeriod{{since: -1 << 62, offset: off}}
	for t := zoneFrom; t.Before(zoneUntil); {
		_, end := t.In(loc).ZoneBounds()
		if !end.After(t) { // no later transition
			break
		}
		_, off := end.In(loc).Zone()
		if off != out[len(out)-1].offset {
			out = append(out, zonePeriod{since: end.Unix(), offset: off})
		}
		t = end
	}
	return out
}
