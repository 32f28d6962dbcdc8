package sla

import (
	"time"

	"helpdesk/ent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/slaclock"
	"helpdesk/ent/ticket"
	"helpdesk/internal/gid"
)

// TimelineEntry is one SLA clock of a ticket as GraphQL shows it.
type TimelineEntry struct {
	Metric          slaclock.Metric
	TargetMinutes   int
	StartedAt       *time.Time
	PausedIntervals []PausedInterval
	DueAt           *time.Time
	MetAt           *time.Time
	BreachedAt      *time.Time
	StoppedAt       *time.Time
	// RemainingSeconds is the business time left; nil when the clock
	// does not run.
	RemainingSeconds *int
	State            ticket.SLAState
}

// PausedInterval is a pause of a clock; End is nil while it lasts.
type PausedInterval struct {
	Start time.Time
	End   *time.Time
}

// Preview is what a policy would give a new ticket.
type Preview struct {
	Policy               *ent.SLAPolicy
	Priority             schematype.Priority
	From                 time.Time
	Timezone             string
	FirstAssignmentDueAt *time.Time
	FirstResponseDueAt   *time.Time
	NextResponseDueAt    *time.Time
	ResolutionDueAt      *time.Time
}

// UpdatePolicyInput changes the given fields of an SLA policy.
type UpdatePolicyInput struct {
	Name             *string
	Description      *string
	CalendarID       *gid.ID
	ClearCalendar    *bool
	Targets          []schematype.SLATarget
	ReminderPercents []int
	BreachActions    []string
	IsDefault        *bool
	Active           *bool
	Conditions       *schematype.SLAConditions
	Position         *int
}

// UpdateCalendarInput changes the given fields of a business calendar.
type UpdateCalendarInput struct {
	Name        *string
	Timezone    *string
	WeeklyHours []schematype.WorkingHours
	Holidays    []string
}

// DeletePolicyResult says whether a policy was deleted or, being in use,
// retired.
type DeletePolicyResult struct {
	ID      gid.ID
	Retired bool
}
