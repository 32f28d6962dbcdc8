package gid

// Type prefixes, one per entity. They are part of the stored ids: never
// change one once data exists.
const (
	Agent            = "agt"
	Team             = "team"
	TeamMembership   = "tmb"
	Customer         = "cus"
	Category         = "cat"
	BusinessCalendar = "cal"
	SLAPolicy        = "sla"
	Tag              = "tag"
	Ticket           = "tkt"
	Comment          = "cmt"
	TicketEvent      = "evt"
	APIToken         = "tok"
	Notification     = "ntf"
	SLAClock         = "slc"
	RoutingRule      = "rte"
)
