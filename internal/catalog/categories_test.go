package catalog

import (
	"errors"
	"testing"

	"helpdesk/ent/schematype"
	"helpdesk/internal/apperr"
)

func TestChildLevel(t *testing.T) {
	for parent, want := range map[int]int{0: 1, 1: 2, 2: 3} {
		got, err := ChildLevel(parent)
		if err != nil || got != want {
			t.Errorf("ChildLevel(%d) = %d, %v; want %d", parent, got, err, want)
		}
	}
	_, err := ChildLevel(3)
	if !errors.Is(err, ErrCategoryTooDeep) || !errors.Is(err, apperr.ErrBadUserInput) {
		t.Fatalf("ChildLevel(3) error = %v, want ErrCategoryTooDeep (BAD_USER_INPUT)", err)
	}
	if e, _ := apperr.As(err); e.Field != "input.parentID" {
		t.Fatalf("too-deep error names %q, want input.parentID", e.Field)
	}
}

func TestCheckWeeklyHours(t *testing.T) {
	ok := []schematype.WorkingHours{
		{Weekday: "monday", Start: "08:00", End: "12:00"},
		{Weekday: "MONDAY", Start: "13:00", End: "17:30"},
		{Weekday: "SATURDAY", Start: "00:00", End: "24:00"},
		{Weekday: "SUNDAY", Start: "22:00", End: "06:00"}, // overnight, into Monday
	}
	got, err := CheckWeeklyHours(ok)
	if err != nil || got[0].Weekday != "MONDAY" {
		t.Fatalf("CheckWeeklyHours(valid) = %v, %v", got, err)
	}
	for name, tc := range map[string]struct {
		hours []schematype.WorkingHours
		field string
	}{
		"bad weekday": {[]schematype.WorkingHours{{Weekday: "FUNDAY", Start: "08:00", End: "09:00"}}, "input.weeklyHours[0].weekday"},
		"bad start":   {[]schematype.WorkingHours{{Weekday: "MONDAY", Start: "8am", End: "09:00"}}, "input.weeklyHours[0].start"},
		"empty shift": {[]schematype.WorkingHours{{Weekday: "MONDAY", Start: "10:00", End: "10:00"}}, "input.weeklyHours[0].end"},
		"overnight overlaps": {[]schematype.WorkingHours{
			{Weekday: "FRIDAY", Start: "22:00", End: "06:00"},
			{Weekday: "FRIDAY", Start: "23:00", End: "23:30"},
		}, "input.weeklyHours[1]"},
		"overlap": {[]schematype.WorkingHours{
			{Weekday: "MONDAY", Start: "08:00", End: "12:00"},
			{Weekday: "MONDAY", Start: "11:00", End: "13:00"},
		}, "input.weeklyHours[1]"},
	} {
		_, err := CheckWeeklyHours(tc.hours)
		e, ok := apperr.As(err)
		if !ok || e.Field != tc.field {
			t.Errorf("%s: error %v, want BAD_USER_INPUT on %s", name, err, tc.field)
		}
	}
}

func TestCheckTargets(t *testing.T) {
	n := func(v int) *int { return &v }
	got, err := CheckTargets([]schematype.SLATarget{
		{Priority: schematype.PriorityLow, ResolutionMinutes: n(2880)},
		{Priority: schematype.PriorityUrgent, FirstResponseMinutes: n(15)},
	})
	if err != nil || got[0].Priority != schematype.PriorityUrgent {
		t.Fatalf("CheckTargets = %v, %v; want URGENT first", got, err)
	}
	for name, targets := range map[string][]schematype.SLATarget{
		"none":         nil,
		"duplicate":    {{Priority: "HIGH", FirstResponseMinutes: n(5)}, {Priority: "HIGH", ResolutionMinutes: n(5)}},
		"zero minutes": {{Priority: "HIGH", FirstResponseMinutes: n(0)}},
		"empty target": {{Priority: "HIGH"}},
		"bad priority": {{Priority: "CRITICAL", FirstResponseMinutes: n(5)}},
	} {
		if _, err := CheckTargets(targets); !errors.Is(err, apperr.ErrBadUserInput) {
			t.Errorf("%s: error %v, want BAD_USER_INPUT", name, err)
		}
	}
}
