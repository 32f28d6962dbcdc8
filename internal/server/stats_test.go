package server_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"helpdesk/ent/ticket"
	"helpdesk/internal/catalog"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

const statsQuery = `query($where: TicketWhereInput, $groupBy: [TicketDimension!]!, $level: Int, $bucket: TicketTimeBucket, $tz: String) {
  ticketStats(where: $where, groupBy: $groupBy, categoryLevel: $level, timeBucket: $bucket, timezone: $tz) {
    status priority team { id name } assignee { id } category { id name } customer { id } tag { id }
    period { start end }
    where count open resolved
    firstResponse { count average median p90 }
    sla { met breached pending compliance }
  }
}`

type statsBucket struct {
	Status, Priority *string
	Team             *struct{ ID, Name string }
	Category         *struct{ ID, Name string }
	Where            map[string]any
	Count            int
	Open, Resolved   int
}

func ticketStats(t *testing.T, c *gqltest.Client, vars map[string]any) []statsBucket {
	t.Helper()
	var out struct{ TicketStats []statsBucket }
	c.Must(t, statsQuery, vars, &out)
	return out.TicketStats
}

// TestTicketStatsDrillDown checks, for several viewers, groupings and
// filters, that every bucket's `where` lists exactly as many tickets as
// the bucket counts, and that the buckets add up to the viewer's list.
func TestTicketStatsDrillDown(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		o.seedVaried(t, 60)
		o.seedCategoryTree(t)
		const count = `query($w: TicketWhereInput) { tickets(where: $w) { totalCount } }`
		filters := []map[string]any{nil, {"priorityIn": []string{"HIGH", "URGENT"}}, {"hasCommentsWith": []any{map[string]any{"visibility": "PUBLIC"}}}}
		groupings := []map[string]any{
			{"groupBy": []string{"TEAM", "STATUS"}},
			{"groupBy": []string{"CATEGORY", "PRIORITY"}},
			{"groupBy": []string{"CATEGORY"}, "level": 2},
			{"groupBy": []string{"CATEGORY", "TAG"}, "level": 3},
			{"groupBy": []string{"ASSIGNEE", "CHANNEL"}},
			{"groupBy": []string{"CUSTOMER"}},
			{"groupBy": []string{"TEAM"}, "bucket": map[string]any{"unit": "HOUR"}, "tz": "Asia/Ho_Chi_Minh"},
			{"groupBy": []string{}, "bucket": map[string]any{"unit": "DAY", "field": "RESOLVED"}, "tz": "America/New_York"},
		}
		for _, name := range []string{"admin", "leadA", "agentA", "loner"} {
			c := o.clients[name]
			for _, where := range filters {
				listed := totalOf(t, c, "tickets", count, map[string]any{"w": where})
				for _, g := range groupings {
					vars := map[string]any{"where": where}
					for k, v := range g {
						vars[k] = v
					}
					sum := 0
					for _, b := range ticketStats(t, c, vars) {
						if n := totalOf(t, c, "tickets", count, map[string]any{"w": b.Where}); n != b.Count {
							t.Fatalf("%s %v %v: bucket counts %d, its where %v lists %d", name, where, g, b.Count, b.Where, n)
						}
						if b.Open+b.Resolved > b.Count {
							t.Fatalf("%s: bucket %v has %d open and %d resolved of %d", name, b.Where, b.Open, b.Resolved, b.Count)
						}
						sum += b.Count
					}
					// A ticket counts under each of its tags.
					if tagged := slices.Contains(g["groupBy"].([]string), "TAG"); tagged && sum < listed || !tagged && sum != listed {
						t.Fatalf("%s %v %v: buckets add up to %d, tickets lists %d", name, where, g, sum, listed)
					}
				}
			}
		}
	})
}

// TestTicketStatsScope: a team lead's numbers cover what they may read —
// all of their team's tickets and nothing of other teams' queues — while
// customers' tokens get no statistics and bad arguments change nothing.
func TestTicketStatsScope(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		customers := o.seedVaried(t, 40)
		byTeam := func(name string) (map[string]int, int) {
			out, total := map[string]int{}, 0
			for _, b := range ticketStats(t, o.clients[name], map[string]any{"groupBy": []string{"TEAM"}}) {
				team := ""
				if b.Team != nil {
					team = b.Team.Name
				}
				out[team] += b.Count
				total += b.Count
			}
			return out, total
		}
		all, allTotal := byTeam("admin")
		lead, leadTotal := byTeam("leadA")
		if lead["Team A"] != all["Team A"] || lead["Team A"] == 0 {
			t.Fatalf("the lead of team A counts %d of its tickets, the admin %d", lead["Team A"], all["Team A"])
		}
		if leadTotal >= allTotal {
			t.Fatalf("the lead of team A counts %d tickets, as many as the admin (%d)", leadTotal, allTotal)
		}
		const count = `{ tickets { totalCount } }`
		if n := totalOf(t, o.clients["leadA"], "tickets", count, nil); n != leadTotal {
			t.Fatalf("the lead's statistics count %d tickets, their list %d", leadTotal, n)
		}
		if _, loner := byTeam("loner"); loner != totalOf(t, o.clients["loner"], "tickets", count, nil) {
			t.Fatalf("an agent without team counts %d tickets in statistics, a different number in their list", loner)
		}

		portal, _ := o.apiToken(t, map[string]any{"name": "Portal", "customerID": string(customers[0])})
		portal.MustFail(t, "FORBIDDEN", statsQuery, map[string]any{"groupBy": []string{"STATUS"}})
		(&gqltest.Client{URL: o.url}).MustFail(t, "UNAUTHENTICATED", statsQuery, map[string]any{"groupBy": []string{"STATUS"}})

		admin := o.clients["admin"]
		for field, vars := range map[string]map[string]any{
			"timezone":      {"groupBy": []string{}, "tz": "Mars/Olympus"},
			"groupBy":       {"groupBy": []string{"TEAM", "TEAM"}},
			"categoryLevel": {"groupBy": []string{"CATEGORY"}, "level": 4},
		} {
			if e := admin.MustFail(t, "BAD_USER_INPUT", statsQuery, vars); e.Field() != field {
				t.Fatalf("bad %s reported on field %q", field, e.Field())
			}
		}
	})
}

// seedCategoryTree adds a three-level category branch with tagged
// tickets at every level, some of them resolved.
func (o *org) seedCategoryTree(t *testing.T) {
	t.Helper()
	var parent *gid.ID
	for i, name := range []string{"Payments", "Refunds", "Card refunds"} {
		c, err := o.app.Catalog.CreateCategory(sys(), catalog.CreateCategoryInput{Name: name, ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		parent = &c.ID
		for j := range 3 {
			team := []string{"A", "B"}[(i+j)%2]
			in := ticketing.CreateTicketInput{
				Title: name, CategoryID: &c.ID, Tags: []string{name, "money"}[:1+j%2],
				TeamID: ptr(o.teams[team]), CustomerID: ptr(o.newCustomer(t, name, fmt.Sprintf("tree%d%d@example.com", i, j))),
			}
			if j == 0 {
				in.AssigneeID = ptr(o.agents[map[string]string{"A": "agentA", "B": "agentAB"}[team]])
			}
			tk := o.createTicket(t, in)
			if j == 0 {
				for _, st := range []ticket.Status{ticket.StatusIN_PROGRESS, ticket.StatusRESOLVED} {
					if _, err := o.app.Tickets.SetTicketStatus(sys(), tk, st, nil); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
}

const liveStatsSubscription = `subscription($groupBy: [TicketDimension!]!) {
  ticketStatsChanged(groupBy: $groupBy) { team { name } where count }
}`

type liveStats struct {
	TicketStatsChanged []struct {
		Team  *struct{ Name string }
		Where map[string]any
		Count int
	}
}

// teamCounts reads the next push of a live dashboard by team.
func teamCounts(t *testing.T, s *gqltest.Socket, id string) (map[string]int, map[string]map[string]any) {
	t.Helper()
	var push liveStats
	s.Next(t, id, &push)
	counts, wheres := map[string]int{}, map[string]map[string]any{}
	for _, b := range push.TicketStatsChanged {
		name := ""
		if b.Team != nil {
			name = b.Team.Name
		}
		counts[name], wheres[name] = b.Count, b.Where
	}
	return counts, wheres
}

// TestTicketStatsLive follows a team lead's live dashboard over the
// websocket: the first push has every bucket, later pushes the buckets
// whose numbers changed, within the lead's scope, with drill-down filters
// that list the same tickets.
func TestTicketStatsLive(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		startApp(t, o.app)
		cus := o.newCustomer(t, "Live Customer", "live@example.com")
		o.openTicket(t, cus, "A", "HIGH")
		lead := o.clients["leadA"]
		s := gqltest.Connect(t, o.url, gqltest.TransportWS, lead.Token)
		s.Subscribe(t, "dash", liveStatsSubscription, map[string]any{"groupBy": []string{"TEAM"}})
		if got, _ := teamCounts(t, s, "dash"); len(got) != 1 || got["Team A"] != 1 {
			t.Fatalf("first push %v, want team A: 1", got)
		}

		// Team C's new ticket is not the lead's to see: no bucket of the
		// lead's changes, so the next push is about team A's new ticket.
		o.openTicket(t, cus, "C", "LOW")
		moved := o.openTicket(t, cus, "A", "LOW")
		got, wheres := teamCounts(t, s, "dash")
		if len(got) != 1 || got["Team A"] != 2 {
			t.Fatalf("push after a new ticket of team A: %v, want team A: 2 only", got)
		}
		const count = `query($w: TicketWhereInput) { tickets(where: $w) { totalCount } }`
		if n := totalOf(t, lead, "tickets", count, map[string]any{"w": wheres["Team A"]}); n != 2 {
			t.Fatalf("the pushed bucket's where lists %d tickets, want 2", n)
		}

		// Moving a ticket out of the lead's team takes it out of their
		// numbers.
		o.update(t, moved, map[string]any{"teamID": o.teams["B"]})
		if got, _ := teamCounts(t, s, "dash"); len(got) != 1 || got["Team A"] != 1 {
			t.Fatalf("push after a ticket left team A: %v, want team A: 1", got)
		}

		// A customer's token gets no statistics.
		portal, _ := o.apiToken(t, map[string]any{"name": "Portal", "customerID": string(cus)})
		cs := gqltest.Connect(t, o.url, gqltest.TransportWS, portal.Token)
		cs.Subscribe(t, "dash", liveStatsSubscription, map[string]any{"groupBy": []string{"TEAM"}})
		if m := cs.NextMessage(t); !containsCode(m.Payload, "FORBIDDEN") {
			t.Fatalf("a customer's live statistics answered %s %s, want FORBIDDEN", m.Type, m.Payload)
		}
	})
}

// TestTicketStatsSelectedFigures: the figures a query selects (through
// fragments and @include too) are those of a query that selects every
// figure; the statement computes only them.
func TestTicketStatsSelectedFigures(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		o.seedVaried(t, 40)
		// First responses and resolutions 1 to 9 minutes (and a fraction
		// of a second) after creation.
		ctx := sys()
		for i, tk := range o.app.DB.Client.Ticket.Query().Order(ticket.ByNumber()).AllX(ctx) {
			if i%3 == 2 {
				continue
			}
			u := tk.Update().SetFirstRespondedAt(tk.CreatedAt.Add(time.Duration(1+i%9)*time.Minute + time.Duration(i)*time.Millisecond))
			if i%3 == 1 {
				u.SetResolvedAt(tk.CreatedAt.Add(time.Duration(10+i%9) * time.Minute))
			}
			u.ExecX(ctx)
		}
		type durations struct{ Count, Median, P90 *float64 }
		type bucket struct {
			Team          *struct{ ID string }
			Status        string
			Count         int
			FirstResponse durations
			Resolution    *durations
		}
		const all = `query { ticketStats(groupBy: [TEAM, STATUS]) { team { id } status count firstResponse { count median p90 } resolution { count median p90 } } }`
		const some = `query($r: Boolean!) { ticketStats(groupBy: [TEAM, STATUS]) { team { id } status count ...F resolution @include(if: $r) { median } } }
fragment F on TicketStatsBucket { firstResponse { ... on DurationStats { p90 } median } }`
		var full, part struct{ TicketStats []bucket }
		c := o.clients["admin"]
		c.Must(t, all, nil, &full)
		c.Must(t, some, map[string]any{"r": true}, &part)
		if len(full.TicketStats) == 0 || len(part.TicketStats) != len(full.TicketStats) {
			t.Fatalf("%d buckets, want %d", len(part.TicketStats), len(full.TicketStats))
		}
		medians := 0
		for i, b := range part.TicketStats {
			f := full.TicketStats[i]
			eq := func(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
			if b.Count != f.Count || b.Status != f.Status || !eq(b.FirstResponse.Median, f.FirstResponse.Median) ||
				!eq(b.FirstResponse.P90, f.FirstResponse.P90) || b.Resolution == nil || !eq(b.Resolution.Median, f.Resolution.Median) {
				t.Fatalf("bucket %d: %+v, with every figure %+v", i, b, f)
			}
			if f.FirstResponse.Median != nil {
				medians++
			}
		}
		if medians == 0 {
			t.Fatal("no bucket has a first-response median: the data set tests nothing")
		}
		part.TicketStats = nil
		c.Must(t, some, map[string]any{"r": false}, &part)
		if len(part.TicketStats) != len(full.TicketStats) {
			t.Fatalf("%d buckets without resolution, want %d", len(part.TicketStats), len(full.TicketStats))
		}
		for _, b := range part.TicketStats {
			if b.Resolution != nil {
				t.Fatalf("resolution skipped by @include came back: %+v", b)
			}
		}
	})
}
