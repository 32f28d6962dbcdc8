package workflow

import (
	"slices"
	"strings"

	"helpdesk/ent/schematype"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/internal/gid"
)

// Member is one team member as an assignment strategy sees them.
type Member struct {
	AgentID gid.ID
	// Position is the member's place in the team's order: 1 is asked first.
	Position int
	// Online: the agent is active and ONLINE.
	Online   bool
	Capacity int
	// Active is how many active tickets the agent holds (see IsActive).
	Active int
	// Turn is the team-wide round-robin turn at which the member was last
	// given a ticket; 0 means never.
	Turn int64
}

// Free reports whether the member may take one more ticket: online and
// under capacity.
func (m Member) Free() bool { return m.Online && m.Active < m.Capacity }

// Choose picks the member a team's strategy gives a new ticket to, or
// false when nobody is free (or the strategy is MANUAL) and the ticket
// waits in the team queue:
//
//   - PRIORITY: the free member first in the team's order;
//   - ROUND_ROBIN: the free member whose last turn is oldest (never
//     served first), then by order;
//   - LEAST_LOADED: the free member with the fewest active tickets, then
//     by order;
//   - MANUAL: nobody.
func Choose(strategy team.AssignmentStrategy, members []Member) (gid.ID, bool) {
	ranked := Rank(strategy, members)
	if len(ranked) == 0 {
		return "", false
	}
	return ranked[0].AgentID, true
}

// Rank lists the free members in the order the team's strategy prefers
// them (see Choose; remaining ties by agent id), so that an assigner who
// cannot have the first may take the next; MANUAL ranks nobody.
func Rank(strategy team.AssignmentStrategy, members []Member) []Member {
	var better func(a, b Member) bool
	switch strategy {
	case team.AssignmentStrategyPRIORITY:
		better = func(a, b Member) bool { return a.Position < b.Position }
	case team.AssignmentStrategyROUND_ROBIN:
		better = func(a, b Member) bool {
			if a.Turn != b.Turn {
				return a.Turn < b.Turn
			}
			return a.Position < b.Position
		}
	case team.AssignmentStrategyLEAST_LOADED:
		better = func(a, b Member) bool {
			if a.Active != b.Active {
				return a.Active < b.Active
			}
			return a.Position < b.Position
		}
	default:
		return nil
	}
	var free []Member
	for _, m := range members {
		if m.Free() {
			free = append(free, m)
		}
	}
	slices.SortFunc(free, func(a, b Member) int {
		switch {
		case better(a, b):
			return -1
		case better(b, a):
			return 1
		}
		return strings.Compare(string(a.AgentID), string(b.AgentID))
	})
	return free
}

// ActiveStatuses are the statuses in which an assigned ticket counts
// against its assignee's capacity: OPEN and IN_PROGRESS, and WAITING
// unless the team says otherwise. RESOLVED, CLOSED and CANCELLED never
// count.
func ActiveStatuses(waitingCounts bool) []ticket.Status {
	if waitingCounts {
		return []ticket.Status{ticket.StatusOPEN, ticket.StatusIN_PROGRESS, ticket.StatusWAITING}
	}
	return []ticket.Status{ticket.StatusOPEN, ticket.StatusIN_PROGRESS}
}

// IsActive reports whether an assigned ticket in status s counts against
// its assignee's capacity (see ActiveStatuses).
func IsActive(s ticket.Status, waitingCounts bool) bool {
	for _, a := range ActiveStatuses(waitingCounts) {
		if a == s {
			return true
		}
	}
	return false
}

// RaisePriority is the next priority up (LOW → MEDIUM → HIGH → URGENT);
// URGENT stays URGENT.
func RaisePriority(p schematype.Priority) schematype.Priority {
	switch p {
	case schematype.PriorityLow:
		return schematype.PriorityMedium
	case schematype.PriorityMedium:
		return schematype.PriorityHigh
	default:
		return schematype.PriorityUrgent
	}
}
