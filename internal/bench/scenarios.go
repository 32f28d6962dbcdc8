package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// QueueQuery is the queue scenario's operation: 50 tickets of one team's
// open statuses with customer, assignee, category path, tags and SLA due
// times, most urgent first and oldest first within a priority.
const QueueQuery = `query Queue($team: ID!, $n: Int!) {
	tickets(first: $n, where: {teamID: $team, statusIn: [UNASSIGNED, OPEN, IN_PROGRESS, WAITING]},
			orderBy: [{field: PRIORITY}, {field: CREATED_AT}]) {
		totalCount
		pageInfo { hasNextPage endCursor }
		edges { node {
			id number title status priority createdAt firstResponseDueAt resolutionDueAt
			customer { id name }
			assignee { id name }
			categoryPath { id name }
			tags { name }
		} }
	} }`

// TicketQuery is the ticket scenario's operation: one ticket with 50
// comments and its history.
const TicketQuery = `query Ticket($id: ID!) {
	node(id: $id) { ... on Ticket {
		id number title description status priority createdAt firstResponseDueAt resolutionDueAt
		customer { id name email }
		assignee { id name }
		team { id name }
		categoryPath { id name }
		tags { name }
		comments(first: 50) { totalCount edges { node { id body visibility createdAt authorAgent { name } authorCustomer { name } } } }
		events(first: 50) { totalCount edges { node { sequence kind createdAt actor { name } changes { field from to } } } }
	} } }`

// CreateMutation is the create scenario's operation: routing, assignment,
// SLA and events happen in the service.
const CreateMutation = `mutation Create($in: CreateTicketInput!) {
	createTicket(input: $in) { id number status team { id } assignee { id } firstResponseDueAt } }`

// scenarios builds each scenario's clients.
type scenarios struct {
	w       *world
	url     string
	http    *http.Client
	clients int
	fields  map[string][]string
	// searchTerms replace the search scenario's default mix when given;
	// searchAsManager searches as the manager (who reads every ticket)
	// instead of as agents (whose read scope applies).
	searchTerms     []string
	searchAsManager bool

	mu     sync.Mutex
	logins map[string]*gqlClient
}

// as returns a logged-in client for the agent with the given email,
// logging in once per agent.
func (s *scenarios) as(ctx context.Context, email string) (*gqlClient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.logins[email]; ok {
		return c, nil
	}
	c, err := login(ctx, s.http, s.url, email)
	if err != nil {
		return nil, err
	}
	s.logins[email] = c
	return c, nil
}

// agentFor is the agent client i acts as: one per team in turn.
func (s *scenarios) agentFor(i int) benchAgent {
	return s.w.Agents[i%len(s.w.Agents)]
}

func (s *scenarios) queue(ctx context.Context) ([]request, string, error) {
	var out []request
	for i := range s.clients {
		a := s.agentFor(i)
		c, err := s.as(ctx, a.Email)
		if err != nil {
			return nil, "", err
		}
		vars := map[string]any{"team": a.Team, "n": 50}
		out = append(out, func(ctx context.Context) error {
			_, err := c.do(ctx, QueueQuery, vars)
			return err
		})
	}
	return out, "", nil
}

func (s *scenarios) ticket(ctx context.Context) ([]request, string, error) {
	if len(s.w.Heavy) == 0 {
		return nil, "the data set has no ticket with many comments", nil
	}
	var out []request
	for i := range s.clients {
		h := s.w.Heavy[i%len(s.w.Heavy)]
		k := slices.IndexFunc(s.w.Agents, func(a benchAgent) bool { return a.ID == h.Assignee })
		if k < 0 {
			return nil, "", fmt.Errorf("ticket %s is assigned to an unknown agent", h.ID)
		}
		c, err := s.as(ctx, s.w.Agents[k].Email)
		if err != nil {
			return nil, "", err
		}
		vars := map[string]any{"id": h.ID}
		out = append(out, func(ctx context.Context) error {
			_, err := c.do(ctx, TicketQuery, vars)
			return err
		})
	}
	return out, "", nil
}

func (s *scenarios) create(ctx context.Context) ([]request, string, error) {
	var out []request
	priorities := []string{"URGENT", "HIGH", "MEDIUM", "LOW"}
	channels := []string{"EMAIL", "CHAT", "PHONE", "WEB", "API"}
	for i := range s.clients {
		c, err := s.as(ctx, s.agentFor(i).Email)
		if err != nil {
			return nil, "", err
		}
		r := rand.New(rand.NewPCG(9, uint64(i)))
		out = append(out, func(ctx context.Context) error {
			in := map[string]any{
				"title":      fmt.Sprintf("%s: %s", topics[r.IntN(len(topics))], problems[r.IntN(len(problems))]),
				"channel":    channels[r.IntN(len(channels))],
				"priority":   priorities[r.IntN(len(priorities))],
				"customerID": s.w.Customers[r.IntN(len(s.w.Customers))],
				"categoryID": s.w.Categories[r.IntN(len(s.w.Categories))],
				"tags":       []string{fmt.Sprintf("tag-%02d", 1+r.IntN(s.w.Size.Tags))},
			}
			_, err := c.do(ctx, CreateMutation, map[string]any{"in": in})
			return err
		})
	}
	return out, "", nil
}

// StatsQuery is the stats scenario's operation: a manager's dashboard of
// the last 30 days by team and status.
const StatsQuery = `query Stats($since: Time!) {
	ticketStats(groupBy: [TEAM, STATUS], where: {createdAtGTE: $since}) {
		team { id name } status count open resolved
		firstResponse { count median p90 } resolution { median }
		sla { met breached pending compliance }
	} }`

// SearchQuery is the search scenario's operation: the first page of a
// search as an agent types it.
const SearchQuery = `query Search($q: String!) {
	tickets(first: 25, search: $q) { totalCount edges { node { id number title status } } } }`

// stats asks for ticket statistics as a manager, when the API has them.
func (s *scenarios) stats(ctx context.Context) ([]request, string, error) {
	if _, ok := s.fields["ticketStats"]; !ok {
		return nil, "the API has no ticketStats field yet", nil
	}
	c, err := s.as(ctx, managerEmail)
	if err != nil {
		return nil, "", err
	}
	vars := map[string]any{"since": time.Now().UTC().Add(-30 * 24 * time.Hour).Format(time.RFC3339)}
	var out []request
	for range s.clients {
		out = append(out, func(ctx context.Context) error {
			_, err := c.do(ctx, StatsQuery, vars)
			return err
		})
	}
	return out, "", nil
}

// searchText returns the k-th search of a client: in turn a ticket
// number, a rare word (an order number: a few tickets each), a common
// word and Vietnamese typed without accents.
func (s *scenarios) searchText(r *rand.Rand, k int) string {
	if len(s.searchTerms) > 0 {
		return s.searchTerms[k%len(s.searchTerms)]
	}
	switch k % 4 {
	case 0:
		return fmt.Sprintf("#%d", 1+r.IntN(s.w.Size.Tickets))
	case 1:
		return strconv.Itoa(10000 + r.IntN(90000))
	case 2:
		return []string{"refund", "parcel", "invoice", "delivery"}[r.IntN(4)]
	default:
		return []string{"khieu nai", "giao cham", "kiem tra don hang"}[r.IntN(3)]
	}
}

// search runs ticket searches as agents, when the API has them.
func (s *scenarios) search(ctx context.Context) ([]request, string, error) {
	if !slices.Contains(s.fields["tickets"], "search") {
		return nil, "the API has no tickets(search:) argument yet", nil
	}
	var out []request
	for i := range s.clients {
		email := s.agentFor(i).Email
		if s.searchAsManager {
			email = managerEmail
		}
		c, err := s.as(ctx, email)
		if err != nil {
			return nil, "", err
		}
		r := rand.New(rand.NewPCG(11, uint64(i)))
		k := i
		out = append(out, func(ctx context.Context) error {
			k++
			_, err := c.do(ctx, SearchQuery, map[string]any{"q": s.searchText(r, k)})
			return err
		})
	}
	return out, "", nil
}

// teamIDs returns the ids of the teams an agent belongs to.
func teamIDs(a benchAgent) []string { return []string{string(a.Team)} }
