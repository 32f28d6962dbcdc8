package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
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
	// searchTerms are the search scenario's texts (DefaultSearchTerms
	// when empty).
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

// stats asks for ticket statistics, when the API has them: the last 30
// days by team and status with every measure (by another dimension when
// the API has no TEAM).
func (s *scenarios) stats(ctx context.Context) ([]request, string, error) {
	if _, ok := s.fields["ticketStats"]; !ok {
		return nil, "the API has no ticketStats field yet", nil
	}
	c, err := s.as(ctx, managerEmail)
	if err != nil {
		return nil, "", err
	}
	body, err := c.do(ctx, `{ __type(name: "TicketDimension") { enumValues { name } } }`, nil)
	if err != nil {
		return nil, "", err
	}
	var dims struct {
		Data struct {
			Type *struct{ EnumValues []struct{ Name string } } `json:"__type"`
		}
	}
	if err := json.Unmarshal(body, &dims); err != nil {
		return nil, "", err
	}
	if dims.Data.Type == nil || len(dims.Data.Type.EnumValues) == 0 {
		return nil, "the API has no TicketDimension values", nil
	}
	dim := dims.Data.Type.EnumValues[0].Name
	for _, v := range dims.Data.Type.EnumValues {
		if v.Name == "TEAM" {
			dim = v.Name
		}
	}
	query := fmt.Sprintf(`{ ticketStats(groupBy: [%s]) { __typename } }`, dim)
	if dim == "TEAM" {
		// A dashboard's question: the last 30 days by team and status,
		// every measure, with drill-down.
		query = fmt.Sprintf(`{ ticketStats(where: {createdAtGTE: %q}, groupBy: [TEAM, STATUS]) { team { name } status count open resolved
			firstResponse { count average median p90 } resolution { count average median p90 } workingTime { seconds average }
			waitingTime { seconds average } sla { met breached pending compliance } where } }`, time.Now().UTC().AddDate(0, 0, -30).Format(time.RFC3339))
	}
	var out []request
	for range s.clients {
		out = append(out, func(ctx context.Context) error {
			_, err := c.do(ctx, query, nil)
			return err
		})
	}
	return out, "", nil
}

// DefaultSearchTerms are the search scenario's texts: words of many
// tickets' titles and comments (10–50 % of tickets), a customer's name,
// ticket and order numbers (rare), and Vietnamese typed without accents,
// which the generated data holds only where it was added.
var DefaultSearchTerms = []string{"refund", "parcel", "invoice", "charged twice", "delivery is late",
	"khanh nguyen", "#1042", "20000", "order 54321", "khieu nai", "dien thoai", "don hang giao tre"}

// search runs full-text ticket searches, when the API has them: a first
// page of 25 with totalCount, as an agent (the read scope applies) or as
// the manager.
func (s *scenarios) search(ctx context.Context) ([]request, string, error) {
	if !slices.Contains(s.fields["tickets"], "search") {
		return nil, "the API has no tickets(search:) argument yet", nil
	}
	terms := s.searchTerms
	if len(terms) == 0 {
		terms = DefaultSearchTerms
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
		out = append(out, func(ctx context.Context) error {
			_, err := c.do(ctx, `query($q: String!) { tickets(first: 25, search: $q) { totalCount edges { node { id number title status } } } }`,
				map[string]any{"q": terms[r.IntN(len(terms))]})
			return err
		})
	}
	return out, "", nil
}

// teamIDs returns the ids of the teams an agent belongs to.
func teamIDs(a benchAgent) []string { return []string{string(a.Team)} }
