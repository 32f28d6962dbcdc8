package server_test

import (
	"testing"

	"helpdesk/ent/agent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/internal/catalog"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// Routing rules, managed over GraphQL by administrators, route new
// tickets (first match wins) before the category's and the default team;
// changing an unassigned ticket's category routes it again, and its new
// team's strategy assigns it.
func TestRoutingRules(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		role := agent.RoleADMIN
		if _, err := d.app.Directory.CreateAgent(d.ctx, directory.CreateAgentInput{Name: "root", Email: "root@example.com", Password: adminPassword, Role: &role}); err != nil {
			t.Fatal(err)
		}
		kim := d.agent("kim", 5, agent.AvailabilityONLINE)
		d.agent("joe", 5, agent.AvailabilityONLINE)
		c := d.serve("root", "joe")
		admin, joe := c["root"], c["joe"]

		general := d.team("General", team.AssignmentStrategyMANUAL)
		if _, err := d.app.Directory.UpdateTeam(d.ctx, general, directory.UpdateTeamInput{IsDefault: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		billing := d.team("Billing", team.AssignmentStrategyMANUAL)
		vip := d.team("VIP", team.AssignmentStrategyPRIORITY, kim)
		shipping := d.team("Shipping", team.AssignmentStrategyMANUAL)
		root, err := d.app.Catalog.CreateCategory(d.ctx, catalog.CreateCategoryInput{Name: "Orders", DefaultTeamID: &shipping})
		if err != nil {
			t.Fatal(err)
		}
		late, err := d.app.Catalog.CreateCategory(d.ctx, catalog.CreateCategoryInput{Name: "Late", ParentID: &root.ID})
		if err != nil {
			t.Fatal(err)
		}
		other, err := d.app.Catalog.CreateCategory(d.ctx, catalog.CreateCategoryInput{Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		acme, err := d.app.Directory.CreateCustomer(d.ctx, directory.CreateCustomerInput{Name: "Wile", Email: ptr("wile@acme.test"), Organization: ptr("ACME")})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := d.app.Directory.CreateCustomer(d.ctx, directory.CreateCustomerInput{Name: "Pat", Email: ptr("pat@example.com")})
		if err != nil {
			t.Fatal(err)
		}

		const create = `mutation($in: RoutingRuleInput!) { createRoutingRule(input: $in) { id position name } }`
		joe.MustFail(t, "FORBIDDEN", create, map[string]any{"in": map[string]any{"name": "x", "teamID": billing}})
		if e := admin.MustFail(t, "BAD_USER_INPUT", create, map[string]any{"in": map[string]any{"name": "decides nothing"}}); e.Field() == "" {
			t.Fatal("a rule that decides nothing should name a field")
		}
		var r struct {
			CreateRoutingRule struct {
				ID       gid.ID
				Position int
			}
		}
		admin.Must(t, create, map[string]any{"in": map[string]any{
			"name": "Refunds", "channels": []string{"EMAIL", "CHAT"}, "titleWords": []string{"refund"},
			"teamID": billing, "priority": "HIGH", "addTags": []string{"money"},
		}}, &r)
		refunds := r.CreateRoutingRule.ID
		admin.Must(t, create, map[string]any{"in": map[string]any{
			"name": "Key accounts", "organization": "acme", "teamID": vip, "position": 1,
		}}, &r)
		if r.CreateRoutingRule.Position != 1 {
			t.Fatalf("the second rule asked for position 1, got %d", r.CreateRoutingRule.Position)
		}
		admin.Must(t, create, map[string]any{"in": map[string]any{
			"name": "Late orders are urgent", "categoryID": root.ID, "priority": "URGENT",
		}}, nil)
		var list struct{ RoutingRules []struct{ Name string } }
		joe.Must(t, `{ routingRules { name } }`, nil, &list)
		if len(list.RoutingRules) != 3 || list.RoutingRules[0].Name != "Key accounts" || list.RoutingRules[1].Name != "Refunds" {
			t.Fatalf("rules in order: %+v", list.RoutingRules)
		}

		open := func(title string, ch ticket.Channel, cus gid.ID, cat *gid.ID) *ticketFacts {
			t.Helper()
			tk, err := d.app.Tickets.CreateTicket(d.ctx, ticketing.CreateTicketInput{Title: title, Channel: ch, CustomerID: &cus, CategoryID: cat})
			if err != nil {
				t.Fatal(err)
			}
			tags, err := tk.QueryTags().All(d.ctx)
			if err != nil {
				t.Fatal(err)
			}
			f := &ticketFacts{id: tk.ID, priority: tk.Priority, assignee: assigneeOf(tk)}
			if tk.TeamID != nil {
				f.team = *tk.TeamID
			}
			for _, tg := range tags {
				f.tags = append(f.tags, tg.Name)
			}
			return f
		}
		// The first match wins: ACME's refund goes to VIP (and kim, free, gets it).
		if f := open("Refund please", ticket.ChannelEMAIL, acme.ID, nil); f.team != vip || f.assignee != kim {
			t.Fatalf("ACME's refund: %+v, want VIP and kim", f)
		}
		if f := open("Refund please", ticket.ChannelEMAIL, plain.ID, nil); f.team != billing || f.priority != schematype.PriorityHigh || len(f.tags) != 1 || f.tags[0] != "money" {
			t.Fatalf("a refund by email: %+v, want Billing, HIGH, tagged money", f)
		}
		if f := open("Refund please", ticket.ChannelPHONE, plain.ID, nil); f.team != general {
			t.Fatalf("a refund by phone matches no rule: %+v, want the default team", f)
		}
		// A rule deciding only the priority leaves the team to the category.
		f := open("Where is it", ticket.ChannelWEB, plain.ID, &late.ID)
		if f.team != shipping || f.priority != schematype.PriorityUrgent {
			t.Fatalf("a late order: %+v, want Shipping (the category's team) and URGENT", f)
		}

		// Re-routing: moving the unassigned ticket to another category.
		if _, err := d.app.Tickets.UpdateTicket(d.ctx, f.id, ticketing.UpdateTicketInput{CategoryID: &other.ID}); err != nil {
			t.Fatal(err)
		}
		if got := d.get(f.id); got.TeamID == nil || *got.TeamID != general {
			t.Fatalf("after the category change the ticket should be in the default team")
		}
		// Deactivating and deleting rules.
		admin.Must(t, `mutation($id: ID!, $in: RoutingRuleInput!) { updateRoutingRule(id: $id, input: $in) { id } }`,
			map[string]any{"id": refunds, "in": map[string]any{"name": "Refunds (off)", "active": false, "teamID": billing, "titleWords": []string{"refund"}}}, nil)
		if f := open("Refund please", ticket.ChannelEMAIL, plain.ID, nil); f.team != general {
			t.Fatalf("an inactive rule should not route: %+v", f)
		}
		admin.Must(t, `mutation($id: ID!) { deleteRoutingRule(id: $id) }`, map[string]any{"id": refunds}, nil)
		joe.Must(t, `{ routingRules { name } }`, nil, &list)
		if len(list.RoutingRules) != 2 {
			t.Fatalf("after deleting, %d rules", len(list.RoutingRules))
		}
	})
}

type ticketFacts struct {
	id       gid.ID
	team     gid.ID
	assignee gid.ID
	priority schematype.Priority
	tags     []string
}
