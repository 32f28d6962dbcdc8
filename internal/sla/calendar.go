// Package sla measures tickets against their SLA policy: business-time
// arithmetic over a business calendar (Calendar, Add, Between), the
// per-ticket clocks of each metric, the reactor that keeps them in step
// with ticket changes, and the durable timers that remind, warn and
// breach.
//
// Everything that depends on the time takes it as an argument or from an
// injected clock; instants are UTC and the calendar's zone applies only
// to its opening hours and holidays.
package sla

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"helpdesk/ent/schematype"
)

// Interval is the half-open span [Start, End). A zero End means the span
// has not ended (a pause still running).
type Interval = schematype.Interval

// Calendar is the working time an SLA clock counts: opening intervals per
// weekday in an IANA time zone, minus holidays. A shift belongs to the day
// it starts on: an overnight shift (22:00–06:00) runs into the next
// morning, and a holiday cancels the shifts that start on it.
type Calendar struct {
	loc      *time.Location
	week     [7][]shift // indexed by time.Weekday, sorted by start
	holidays map[string]bool
}

// shift is one opening interval in minutes after its day's midnight; end
// may exceed 24 h for a shift that ends the next day.
type shift struct{ start, end int }

const minutesPerDay = 24 * 60

// AlwaysOpen is the 24×7 calendar: every instant is business time.
func AlwaysOpen() *Calendar {
	c := &Calendar{loc: time.UTC}
	for d := range c.week {
		c.week[d] = []shift{{0, minutesPerDay}}
	}
	return c
}

// NewCalendar builds a calendar from its stored form. Start and End are
// "HH:MM"; an End at or before Start is a shift ending the next day.
// Holidays are dates ("2026-12-25") in the calendar's zone. A calendar
// without any opening hours is open all day, every day except its
// holidays.
func NewCalendar(timezone string, hours []schematype.WorkingHours, holidays []string) (*Calendar, error) {
	loc, err := time.LoadLocation(timezone)
	if err != nil {
		return nil, fmt.Errorf("business calendar time zone %q: %w", timezone, err)
	}
	c := &Calendar{loc: loc, holidays: map[string]bool{}}
	for _, h := range hours {
		day, ok := weekdayNames[strings.ToUpper(h.Weekday)]
		if !ok {
			return nil, fmt.Errorf("business calendar: %q is not a weekday", h.Weekday)
		}
		start, err := ParseClock(h.Start)
		if err != nil {
			return nil, err
		}
		end, err := ParseClock(h.End)
		if err != nil {
			return nil, err
		}
		if end <= start {
			end += minutesPerDay
		}
		c.week[day] = append(c.week[day], shift{start, end})
	}
	empty := true
	for d := range c.week {
		slices.SortFunc(c.week[d], func(a, b shift) int { return a.start - b.start })
		empty = empty && len(c.week[d]) == 0
	}
	if empty {
		for d := range c.week {
			c.week[d] = []shift{{0, minutesPerDay}}
		}
	}
	for _, h := range holidays {
		c.holidays[h] = true
	}
	return c, nil
}

var weekdayNames = map[string]time.Weekday{
	"SUNDAY": time.Sunday, "MONDAY": time.Monday, "TUESDAY": time.Tuesday, "WEDNESDAY": time.Wednesday,
	"THURSDAY": time.Thursday, "FRIDAY": time.Friday, "SATURDAY": time.Saturday,
}

// ParseClock parses "HH:MM" (24:00 allowed) into minutes after midnight.
func ParseClock(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return h*60 + m, nil
}

// maxScanDays bounds how far ahead the calendar is searched for business
// time: a target that needs more is never reached.
const maxScanDays = 5 * 366

// Add returns the instant at which d of business time has passed since
// start, not counting the paused intervals (so paused time is added
// back). ok is false when the calendar has too little business time to
// reach it within five years, or a pause never ends.
func (c *Calendar) Add(start time.Time, d time.Duration, pauses []Interval) (due time.Time, ok bool) {
	if d <= 0 {
		return start, true
	}
	remaining := d
	c.open(start, func(iv Interval) bool {
		for _, part := range subtract(iv, pauses) {
			if n := part.End.Sub(part.Start); n >= remaining {
				due, ok = part.Start.Add(remaining), true
				return false
			} else {
				remaining -= n
			}
		}
		return true
	})
	return due, ok
}

// Between returns the business time in [from, to), not counting the
// paused intervals.
func (c *Calendar) Between(from, to time.Time, pauses []Interval) time.Duration {
	var total time.Duration
	if !to.After(from) {
		return 0
	}
	c.open(from, func(iv Interval) bool {
		if !iv.Start.Before(to) {
			return false
		}
		if iv.End.After(to) {
			iv.End = to
		}
		for _, part := range subtract(iv, pauses) {
			total += part.End.Sub(part.Start)
		}
		return true
	})
	return total
}

// open calls fn with each opening interval at or after from, in order,
// the first one clipped to start at from, overlapping shifts merged,
// until fn returns false or maxScanDays have been searched.
func (c *Calendar) open(from time.Time, fn func(Interval) bool) {
	local := from.In(c.loc)
	// Start a day early: yesterday's overnight shift may still be open.
	day := time.Date(local.Year(), local.Month(), local.Day()-1, 0, 0, 0, 0, c.loc)
	cursor := from
	for range maxScanDays {
		if !c.holidays[day.Format(time.DateOnly)] {
			for _, s := range c.week[day.Weekday()] {
				iv := Interval{Start: atMinute(day, s.start), End: atMinute(day, s.end)}
				if iv.Start.Before(cursor) {
					iv.Start = cursor
				}
				if !iv.End.After(iv.Start) {
					continue
				}
				cursor = iv.End
				if !fn(Interval{Start: iv.Start.UTC(), End: iv.End.UTC()}) {
					return
				}
			}
		}
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, c.loc)
	}
}

// atMinute is the instant m minutes of wall-clock time after the local
// midnight of day (m may run into the next day). In a daylight-saving gap
// the wall-clock time does not exist and Go picks an instant next to it.
func atMinute(day time.Time, m int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, m, 0, 0, day.Location())
}

// subtract returns the parts of iv not covered by pauses (an open pause
// covers everything after its start).
func subtract(iv Interval, pauses []Interval) []Interval {
	parts := []Interval{iv}
	for _, p := range pauses {
		var next []Interval
		for _, part := range parts {
			pEnd := p.End
			if p.Open() || pEnd.After(part.End) {
				pEnd = part.End
			}
			pStart := p.Start
			if pStart.Before(part.Start) {
				pStart = part.Start
			}
			if !pStart.Before(pEnd) {
				next = append(next, part)
				continue
			}
			if part.Start.Before(pStart) {
				next = append(next, Interval{Start: part.Start, End: pStart})
			}
			if pEnd.Before(part.End) {
				next = append(next, Interval{Start: pEnd, End: part.End})
			}
		}
		parts = next
	}
	return parts
}
