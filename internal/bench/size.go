package bench

// Size is how much data the benchmark generates.
type Size struct {
	Tickets   int
	Customers int
	Agents    int
	Teams     int
	// CommentsPerTicket is the average number of comments on a ticket;
	// a few tickets (HeavyTickets) have HeavyComments each.
	CommentsPerTicket int
	HeavyTickets      int
	HeavyComments     int
	// Tags is how many distinct tags tickets carry (up to three each).
	Tags int
}

// DefaultTickets is the size of the default data set.
const DefaultTickets = 1_000_000

// SizeFor scales the default data set (1,000,000 tickets, 50,000
// customers, 200 agents in 20 teams, 3 comments per ticket on average)
// to the given number of tickets; agents and teams shrink only for small
// sets.
func SizeFor(tickets int) Size {
	s := Size{
		Tickets:           max(tickets, 1),
		Customers:         max(tickets/20, 10),
		Agents:            200,
		Teams:             20,
		CommentsPerTicket: 3,
		HeavyTickets:      min(100, max(tickets/100, 1)),
		HeavyComments:     50,
		Tags:              60,
	}
	if tickets < 100_000 {
		s.Agents, s.Teams = 40, 4
	}
	return s
}

// agentsPerTeam is how many agents each team has (every agent is in one).
func (s Size) agentsPerTeam() int { return max(s.Agents/s.Teams, 1) }
