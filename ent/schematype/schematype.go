// Package schematype holds the Go types stored in JSON columns of the ent
// schemas. They are plain values, shared by the storage, domain and GraphQL
// layers.
package schematype

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
	Priority             Priority `json:"priority"`
	FirstResponseMinutes *int     `json:"firstResponseMinutes,omitempty"`
	NextResponseMinutes  *int     `json:"nextResponseMinutes,omitempty"`
	ResolutionMinutes    *int     `json:"resolutionMinutes,omitempty"`
}
