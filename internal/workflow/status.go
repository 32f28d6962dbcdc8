package workflow

import "helpdesk/ent/ticket"

// transitions lists, for each status, the statuses it may move to.
// CANCELLED is reachable from every status that is not final; CLOSED and
// CANCELLED are final.
var transitions = map[ticket.Status][]ticket.Status{
	ticket.StatusUNASSIGNED:  {ticket.StatusOPEN, ticket.StatusIN_PROGRESS, ticket.StatusCANCELLED},
	ticket.StatusOPEN:        {ticket.StatusUNASSIGNED, ticket.StatusIN_PROGRESS, ticket.StatusWAITING, ticket.StatusRESOLVED, ticket.StatusCANCELLED},
	ticket.StatusIN_PROGRESS: {ticket.StatusWAITING, ticket.StatusRESOLVED, ticket.StatusOPEN, ticket.StatusCANCELLED},
	ticket.StatusWAITING:     {ticket.StatusIN_PROGRESS, ticket.StatusRESOLVED, ticket.StatusCANCELLED},
	ticket.StatusRESOLVED:    {ticket.StatusCLOSED, ticket.StatusIN_PROGRESS, ticket.StatusOPEN, ticket.StatusCANCELLED},
	ticket.StatusCLOSED:      nil,
	ticket.StatusCANCELLED:   nil,
}

// CanTransition reports whether a ticket may move from one status to another.
func CanTransition(from, to ticket.Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// IsFinal reports whether no further status change is possible.
func IsFinal(s ticket.Status) bool { return len(transitions[s]) == 0 }

// NeedsAssignee reports whether a ticket in status s must have an
// assignee: it is being worked on (OPEN, IN_PROGRESS or WAITING).
func NeedsAssignee(s ticket.Status) bool {
	return s == ticket.StatusOPEN || s == ticket.StatusIN_PROGRESS || s == ticket.StatusWAITING
}
