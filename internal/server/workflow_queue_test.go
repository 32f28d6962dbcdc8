package server_test

import (
	"strings"
	"testing"

	"helpdesk/ent/agent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
)

// staff creates an agent with a global role (OFFLINE, so that the queue
// does not move to them).
func (d *desk) staff(name string, role agent.Role) gid.ID {
	d.t.Helper()
	a, err := d.app.Directory.CreateAgent(d.ctx, directory.CreateAgentInput{
		Name: name, Email: name + "@example.com", Password: adminPassword, Role: &role,
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return a.ID
}

// token issues an API token (a customer's when customerID is set) and
// returns a client using it on the server of c.
func (d *desk) token(c *gqltest.Client, customerID *gid.ID, scopes ...string) *gqltest.Client {
	d.t.Helper()
	p, err := d.app.Auth.CreateAPIToken(d.ctx, auth.CreateAPITokenInput{Name: "token", CustomerID: customerID, Scopes: scopes})
	if err != nil {
		d.t.Fatal(err)
	}
	return &gqltest.Client{URL: c.URL, Token: p.Token}
}

const teamQueueQuery = `query($t: ID!, $first: Int, $after: Cursor, $last: Int) {
	teamQueue(teamID: $t, first: $first, after: $after, last: $last) {
		totalCount pageInfo { hasNextPage endCursor } edges { node { id title status priority assignee { id } } } } }`

type queuePage struct {
	TeamQueue struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   string
		}
		Edges []struct {
			Node struct {
				ID       gid.ID
				Title    string
				Status   string
				Priority string
				Assignee *struct{ ID gid.ID }
			}
		}
	}
}

func (p queuePage) titles() string {
	var out []string
	for _, e := range p.TeamQueue.Edges {
		out = append(out, e.Node.Title)
	}
	return strings.Join(out, ",")
}

// teamQueue lists a team's queue, most urgent then oldest, and it is the
// order in which agents who become free receive its tickets; only those
// who may read the team's unassigned tickets may read it.
func TestTeamQueueIsTheHandOutOrder(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		ana := d.agent("ana", 1, agent.AvailabilityONLINE)
		bao := d.agent("bao", 1, agent.AvailabilityONLINE)
		cid := d.agent("cid", 5, agent.AvailabilityONLINE)
		lea := d.staff("lea", agent.RoleAGENT)
		d.staff("max", agent.RoleMANAGER)
		d.staff("ada", agent.RoleADMIN)
		support := d.team("Support", team.AssignmentStrategyPRIORITY, ana, bao)
		billing := d.team("Billing", team.AssignmentStrategyPRIORITY, cid)
		d.lead(lea, support)

		anaFirst := d.ticket(support, schematype.PriorityMedium)                             // Ticket 1: ana's
		baoFirst := d.ticket(support, schematype.PriorityMedium)                             // Ticket 2: bao's
		d.ticket(support, schematype.PriorityLow)                                            // Ticket 3
		d.ticket(support, schematype.PriorityHigh)                                           // Ticket 4
		d.ticket(support, schematype.PriorityUrgent)                                         // Ticket 5
		d.ticket(support, schematype.PriorityHigh)                                           // Ticket 6
		d.ticket(support, schematype.PriorityMedium)                                         // Ticket 7
		if other := d.ticket(billing, schematype.PriorityUrgent); assigneeOf(other) != cid { // Ticket 8: another team's
			t.Fatalf("Billing's ticket went to %q, want cid", assigneeOf(other))
		}
		if assigneeOf(anaFirst) != ana || assigneeOf(baoFirst) != bao {
			t.Fatal("the first two tickets should have gone to ana and bao")
		}

		c := d.serve("ana", "bao", "cid", "lea", "max", "ada")
		vars := func(first int, after string) map[string]any {
			v := map[string]any{"t": support, "first": first}
			if after != "" {
				v["after"] = after
			}
			return v
		}

		// Pages, in the queue's order, with the count of the whole queue.
		var page queuePage
		c["ana"].Must(t, teamQueueQuery, vars(2, ""), &page)
		if page.TeamQueue.TotalCount != 5 || page.titles() != "Ticket 5,Ticket 4" || !page.TeamQueue.PageInfo.HasNextPage {
			t.Fatalf("first page: %d tickets, %s, next %v", page.TeamQueue.TotalCount, page.titles(), page.TeamQueue.PageInfo.HasNextPage)
		}
		c["ana"].Must(t, teamQueueQuery, vars(10, page.TeamQueue.PageInfo.EndCursor), &page)
		if page.TeamQueue.TotalCount != 5 || page.titles() != "Ticket 6,Ticket 7,Ticket 3" || page.TeamQueue.PageInfo.HasNextPage {
			t.Fatalf("second page: %d tickets, %s", page.TeamQueue.TotalCount, page.titles())
		}
		c["ana"].Must(t, teamQueueQuery, map[string]any{"t": support, "last": 2}, &page)
		if page.titles() != "Ticket 7,Ticket 3" {
			t.Fatalf("last two: %s, want Ticket 7,Ticket 3", page.titles())
		}

		// Whoever becomes free gets the head of the queue, every time.
		held := map[gid.ID]gid.ID{ana: anaFirst.ID, bao: baoFirst.ID}
		for round := range 5 {
			c["ana"].Must(t, teamQueueQuery, vars(1, ""), &page)
			if page.TeamQueue.TotalCount != 5-round || len(page.TeamQueue.Edges) != 1 {
				t.Fatalf("round %d: the queue holds %d tickets, want %d", round, page.TeamQueue.TotalCount, 5-round)
			}
			head := page.TeamQueue.Edges[0].Node
			if head.Status != string(ticket.StatusUNASSIGNED) || head.Assignee != nil {
				t.Fatalf("round %d: the queue's head %s is %s", round, head.Title, head.Status)
			}
			who := []gid.ID{ana, bao}[round%2]
			d.status(held[who], ticket.StatusCANCELLED)
			got := d.get(head.ID)
			if assigneeOf(got) != who || got.Status != ticket.StatusOPEN {
				t.Fatalf("round %d: the queue's head %s is %q's (%s) after %s was freed", round, head.Title, assigneeOf(got), got.Status, who)
			}
			held[who] = head.ID
		}
		c["ana"].Must(t, teamQueueQuery, vars(10, ""), &page)
		if page.TeamQueue.TotalCount != 0 || len(page.TeamQueue.Edges) != 0 {
			t.Fatalf("the queue should be empty: %d, %s", page.TeamQueue.TotalCount, page.titles())
		}

		// Who may read it: members, the team's lead, managers,
		// administrators, integrations that read tickets.
		for i := range 3 {
			d.ticket(support, schematype.Priority([]string{"LOW", "HIGH", "MEDIUM"}[i]))
		}
		customer, err := d.app.Directory.CreateCustomer(d.ctx, directory.CreateCustomerInput{Name: "Carla", Email: ptr("carla@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		readers := map[string]*gqltest.Client{
			"member": c["bao"], "lead": c["lea"], "manager": c["max"], "admin": c["ada"],
			"integration": d.token(c["ada"], nil, "TICKETS_READ"),
		}
		for who, rc := range readers {
			rc.Must(t, teamQueueQuery, vars(10, ""), &page)
			if page.TeamQueue.TotalCount != 3 || page.titles() != "Ticket 10,Ticket 11,Ticket 9" {
				t.Fatalf("%s reads %d queued tickets, %s", who, page.TeamQueue.TotalCount, page.titles())
			}
		}
		refused := map[string]struct {
			c    *gqltest.Client
			code string
		}{
			"another team's agent":                {c["cid"], "FORBIDDEN"},
			"a customer's token":                  {d.token(c["ada"], &customer.ID), "FORBIDDEN"},
			"an integration without ticket scope": {d.token(c["ada"], nil, "CUSTOMERS_READ"), "FORBIDDEN"},
			"no token":                            {&gqltest.Client{URL: c["ada"].URL}, "UNAUTHENTICATED"},
		}
		for who, r := range refused {
			t.Logf("as %s", who)
			r.c.MustFail(t, r.code, teamQueueQuery, vars(10, ""))
		}
		// The other team's agent watches a queued ticket: still refused.
		watched := d.ticket(support, schematype.PriorityLow)
		if _, err := d.app.DB.Client.Ticket.UpdateOneID(watched.ID).AddWatcherIDs(cid).Save(d.ctx); err != nil {
			t.Fatal(err)
		}
		c["cid"].MustFail(t, "FORBIDDEN", teamQueueQuery, vars(10, ""))
		c["ada"].MustFail(t, "NOT_FOUND", teamQueueQuery, map[string]any{"t": ana}) // not a team's id
	})
}
