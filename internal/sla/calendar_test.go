package sla

import (
	"testing"
	"time"

	"helpdesk/ent/schematype"
)

func weekdays(start, end string, days ...string) []schematype.WorkingHours {
	if len(days) == 0 {
		days = []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"}
	}
	var out []schematype.WorkingHours
	for _, d := range days {
		out = append(out, schematype.WorkingHours{Weekday: d, Start: start, End: end})
	}
	return out
}

func mustCalendar(t *testing.T, tz string, hours []schematype.WorkingHours, holidays ...string) *Calendar {
	t.Helper()
	c, err := NewCalendar(tz, hours, holidays)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at reads "2006-01-02 15:04" in the zone.
func at(t *testing.T, tz, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const (
	hcm    = "Asia/Ho_Chi_Minh"
	berlin = "Europe/Berlin"
	utc    = "UTC"
)

func TestCalendarAdd(t *testing.T) {
	split := append(weekdays("08:00", "12:00"), weekdays("13:00", "17:00")...)
	office := weekdays("09:00", "17:00")
	nights := weekdays("22:00", "06:00")
	everyNight := weekdays("22:00", "06:00", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
	cases := []struct {
		name     string
		tz       string
		hours    []schematype.WorkingHours
		holidays []string
		start    string
		add      time.Duration
		pauses   [][2]string
		want     string
	}{
		// Split shifts with a lunch break, in a zone without daylight saving.
		{name: "split shift skips lunch", tz: hcm, hours: split, start: "2026-11-23 11:00", add: 2 * time.Hour, want: "2026-11-23 14:00"},
		{name: "Friday 16:30 + 2h is Monday 09:30", tz: hcm, hours: split, start: "2026-11-27 16:30", add: 2 * time.Hour, want: "2026-11-30 09:30"},
		{name: "Friday 16:30 + 8h is Monday 16:30", tz: hcm, hours: split, start: "2026-11-27 16:30", add: 8 * time.Hour, want: "2026-11-30 16:30"},
		{name: "target ends exactly at closing", tz: hcm, hours: split, start: "2026-11-23 08:00", add: 8 * time.Hour, want: "2026-11-23 17:00"},
		{name: "start before opening", tz: hcm, hours: split, start: "2026-11-23 06:00", add: time.Hour, want: "2026-11-23 09:00"},
		// Weekends.
		{name: "after hours on Friday waits for Monday", tz: utc, hours: office, start: "2026-11-27 17:00", add: time.Hour, want: "2026-11-30 10:00"},
		{name: "Saturday start waits for Monday", tz: utc, hours: office, start: "2026-11-28 12:00", add: 30 * time.Minute, want: "2026-11-30 09:30"},
		// Holidays.
		{name: "holiday is skipped", tz: utc, hours: office, holidays: []string{"2026-11-25"}, start: "2026-11-24 16:00", add: 2 * time.Hour, want: "2026-11-26 10:00"},
		{name: "holiday on Monday after a weekend", tz: hcm, hours: split, holidays: []string{"2026-11-30"}, start: "2026-11-27 16:30", add: 2 * time.Hour, want: "2026-12-01 09:30"},
		// Overnight shifts.
		{name: "overnight shift crosses midnight", tz: utc, hours: nights, start: "2026-11-23 23:00", add: 4 * time.Hour, want: "2026-11-24 03:00"},
		{name: "start inside last night's shift", tz: utc, hours: nights, start: "2026-11-27 05:00", add: 2 * time.Hour, want: "2026-11-27 23:00"},
		{name: "Friday's night shift runs into Saturday", tz: utc, hours: nights, start: "2026-11-28 01:00", add: 3 * time.Hour, want: "2026-11-28 04:00"},
		{name: "Saturday morning after Friday's shift waits for Monday night", tz: utc, hours: nights, start: "2026-11-28 07:00", add: time.Hour, want: "2026-11-30 23:00"},
		{name: "holiday cancels the shift starting on it only", tz: utc, hours: nights, holidays: []string{"2026-11-27"}, start: "2026-11-27 05:00", add: 2 * time.Hour, want: "2026-11-30 23:00"},
		// Daylight saving: Berlin moves to CEST on 2026-03-29 and back to
		// CET on 2026-10-25; Ho Chi Minh City never does.
		{name: "Berlin: the spring night is an hour short", tz: berlin, hours: everyNight, start: "2026-03-28 22:00", add: 8 * time.Hour, want: "2026-03-29 23:00"},
		{name: "Berlin: the autumn night is an hour long", tz: berlin, hours: everyNight, start: "2026-10-24 22:00", add: 8 * time.Hour, want: "2026-10-25 05:00"},
		{name: "Berlin: office hours across the spring change", tz: berlin, hours: office, start: "2026-03-27 16:00", add: 2 * time.Hour, want: "2026-03-30 10:00"},
		{name: "Ho Chi Minh City: every night is eight hours", tz: hcm, hours: everyNight, start: "2026-03-28 22:00", add: 8 * time.Hour, want: "2026-03-29 06:00"},
		{name: "Ho Chi Minh City: no change in October either", tz: hcm, hours: everyNight, start: "2026-10-24 22:00", add: 8 * time.Hour, want: "2026-10-25 06:00"},
		// Pauses: paused business time is added back.
		{name: "pause across a weekend", tz: utc, hours: office, start: "2026-11-27 15:00", add: 4 * time.Hour,
			pauses: [][2]string{{"2026-11-27 16:00", "2026-11-30 10:00"}}, want: "2026-11-30 13:00"},
		{name: "pause outside business hours changes nothing", tz: utc, hours: office, start: "2026-11-27 15:00", add: 4 * time.Hour,
			pauses: [][2]string{{"2026-11-28 10:00", "2026-11-29 10:00"}}, want: "2026-11-30 11:00"},
		{name: "two pauses", tz: utc, hours: office, start: "2026-11-23 09:00", add: 4 * time.Hour,
			pauses: [][2]string{{"2026-11-23 10:00", "2026-11-23 11:00"}, {"2026-11-23 12:00", "2026-11-23 12:30"}}, want: "2026-11-23 14:30"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCalendar(t, tc.tz, tc.hours, tc.holidays...)
			var pauses []Interval
			for _, p := range tc.pauses {
				pauses = append(pauses, Interval{Start: at(t, tc.tz, p[0]), End: at(t, tc.tz, p[1])})
			}
			got, ok := c.Add(at(t, tc.tz, tc.start), tc.add, pauses)
			want := at(t, tc.tz, tc.want)
			if !ok || !got.Equal(want) {
				t.Fatalf("Add(%s, %v) = %v (ok %v), want %v", tc.start, tc.add, got.In(want.Location()), ok, want)
			}
			if got.Location() != time.UTC {
				t.Errorf("Add returned %v, not UTC", got.Location())
			}
			if back := c.Between(at(t, tc.tz, tc.start), got, pauses); back != tc.add {
				t.Errorf("Between(start, due) = %v, want %v", back, tc.add)
			}
		})
	}
}

func TestCalendarBetween(t *testing.T) {
	everyNight := weekdays("22:00", "06:00", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
	office := weekdays("09:00", "17:00")
	cases := []struct {
		name     string
		tz       string
		hours    []schematype.WorkingHours
		from, to string
		pauses   [][2]string
		want     time.Duration
	}{
		{name: "Berlin: autumn night has nine hours", tz: berlin, hours: everyNight, from: "2026-10-24 20:00", to: "2026-10-25 08:00", want: 9 * time.Hour},
		{name: "Berlin: spring night has seven hours", tz: berlin, hours: everyNight, from: "2026-03-28 20:00", to: "2026-03-29 08:00", want: 7 * time.Hour},
		{name: "Ho Chi Minh City: eight hours", tz: hcm, hours: everyNight, from: "2026-10-24 20:00", to: "2026-10-25 08:00", want: 8 * time.Hour},
		{name: "a week of office hours", tz: utc, hours: office, from: "2026-11-23 00:00", to: "2026-11-30 00:00", want: 40 * time.Hour},
		{name: "pause across a weekend", tz: utc, hours: office, from: "2026-11-27 15:00", to: "2026-11-30 12:00",
			pauses: [][2]string{{"2026-11-27 16:00", "2026-11-30 10:00"}}, want: 3 * time.Hour},
		{name: "open pause stops the count", tz: utc, hours: office, from: "2026-11-23 09:00", to: "2026-11-23 17:00",
			pauses: [][2]string{{"2026-11-23 11:00", ""}}, want: 2 * time.Hour},
		{name: "empty range", tz: utc, hours: office, from: "2026-11-23 12:00", to: "2026-11-23 11:00", want: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCalendar(t, tc.tz, tc.hours)
			var pauses []Interval
			for _, p := range tc.pauses {
				iv := Interval{Start: at(t, tc.tz, p[0])}
				if p[1] != "" {
					iv.End = at(t, tc.tz, p[1])
				}
				pauses = append(pauses, iv)
			}
			if got := c.Between(at(t, tc.tz, tc.from), at(t, tc.tz, tc.to), pauses); got != tc.want {
				t.Fatalf("Between = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAlwaysOpen(t *testing.T) {
	c := AlwaysOpen()
	start := at(t, berlin, "2026-03-28 12:00")
	got, ok := c.Add(start, 24*time.Hour, nil)
	if !ok || !got.Equal(start.Add(24*time.Hour)) {
		t.Fatalf("24×7 Add = %v, want %v", got, start.Add(24*time.Hour))
	}
	pause := []Interval{{Start: start.Add(time.Hour), End: start.Add(3 * time.Hour)}}
	if got, _ := c.Add(start, 4*time.Hour, pause); !got.Equal(start.Add(6 * time.Hour)) {
		t.Fatalf("24×7 Add with a 2h pause = %v, want %v", got, start.Add(6*time.Hour))
	}
}

func TestCalendarUnreachable(t *testing.T) {
	c := mustCalendar(t, utc, weekdays("09:00", "17:00"))
	start := at(t, utc, "2026-11-23 09:00")
	if _, ok := c.Add(start, 2*time.Hour, []Interval{{Start: start.Add(time.Hour)}}); ok {
		t.Fatal("a due time behind a pause that never ends was reached")
	}
}

func TestNewCalendarRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		tz    string
		hours []schematype.WorkingHours
	}{
		{"Mars/Olympus", nil},
		{utc, []schematype.WorkingHours{{Weekday: "FUNDAY", Start: "09:00", End: "17:00"}}},
		{utc, []schematype.WorkingHours{{Weekday: "MONDAY", Start: "9am", End: "17:00"}}},
	} {
		if _, err := NewCalendar(tc.tz, tc.hours, nil); err == nil {
			t.Errorf("NewCalendar(%q, %v) accepted", tc.tz, tc.hours)
		}
	}
}
