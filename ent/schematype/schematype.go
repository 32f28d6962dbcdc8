// Package schematype holds the Go types stored in JSON columns of the ent
// schemas. They are plain values, shared by the storage, domain and GraphQL
// layers.
package schematype

import (
	"time"

	"helpdesk/internal/gid"
)

// FieldChange is one field of a ticket changing value, as recorded in the
// ticket's history. From and To are nil when the field was empty.
type FieldChange struct {
	Field string  `json:"field"`
	From  *string `json:"from,omitempty"`
	To    *string `json:"to,omitempty"`
}

// WorkingHours is one opening interval of a business calendar on a weekday.
// Start and End are "HH:MM" in the calendar's time zone; End is after Start.
type WorkingHours struct {
	Weekday string `json:"weekday"` // MONDAY … SUNDAY
	Start   string `json:"start"`
	End     string `json:"end"`
}

// SLATarget is the set of targets, in minutes, for tickets of one priority.
// A nil target means none is tracked.
type SLATarget struct {
	Priority Priority `json:"priority"`
	// FirstAssignmentMinutes is how long a ticket may wait without an
	// assignee.
	FirstAssignmentMinutes *int `json:"firstAssignmentMinutes,omitempty"`
	FirstResponseMinutes   *int `json:"firstResponseMinutes,omitempty"`
	NextResponseMinutes    *int `json:"nextResponseMinutes,omitempty"`
	ResolutionMinutes      *int `json:"resolutionMinutes,omitempty"`
}

// SLAConditions choose an SLA policy for a ticket: every list that is not
// empty must contain the ticket's value (a category matches its whole
// subtree). A policy without conditions is chosen only as a category's
// policy or as the default.
type SLAConditions struct {
	Priorities    []Priority `json:"priorities,omitempty"`
	CategoryIDs   []gid.ID   `json:"categoryIDs,omitempty"`
	Channels      []string   `json:"channels,omitempty"`
	CustomerIDs   []gid.ID   `json:"customerIDs,omitempty"`
	Organizations []string   `json:"organizations,omitempty"`
	TeamIDs       []gid.ID   `json:"teamIDs,omitempty"`
}

// Empty reports whether the conditions name nothing.
func (c SLAConditions) Empty() bool {
	return len(c.Priorities) == 0 && len(c.CategoryIDs) == 0 && len(c.Channels) == 0 &&
		len(c.CustomerIDs) == 0 && len(c.Organizations) == 0 && len(c.TeamIDs) == 0
}

// Interval is the half-open span of time [Start, End); a zero End means it
// has not ended yet.
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
}

// Open reports whether the interval has no end yet.
func (i Interval) Open() bool { return i.End.IsZero() }
