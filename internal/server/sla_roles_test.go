package server_test

import (
	"context"
	"testing"

	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
)

// Who may choose a ticket's SLA policy: administrators and managers for
// any ticket, a team's lead for that team's tickets; not an agent working
// the ticket, nor the lead of another team (to whom the ticket does not
// exist), nor a customer. Who may preview a policy: any staff member, not
// a customer's token nor an integration token.
func TestSLAPolicyChoiceAndPreviewByRole(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		ctx := auth.WithViewer(context.Background(), auth.System)
		var fast struct{ CreateSLAPolicy struct{ ID string } }
		w.admin.Must(t, `mutation { createSLAPolicy(input: {name: "Fast", targets: [{priority: HIGH, firstResponseMinutes: 15}]}) { id } }`, nil, &fast)
		for _, a := range []struct {
			name, email string
			role        agent.Role
		}{{"Mona Manager", "mona@example.com", agent.RoleMANAGER}, {"Otto Other", "otto@example.com", agent.RoleAGENT}} {
			if _, err := w.app.Directory.CreateAgent(ctx, directory.CreateAgentInput{Name: a.name, Email: a.email, Password: adminPassword, Role: &a.role}); err != nil {
				t.Fatal(err)
			}
		}
		otto, err := w.app.DB.Client.Agent.Query().Where(agent.Email("otto@example.com")).OnlyID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.admin.Must(t, `mutation($t: ID!, $a: ID!) { addTeamMember(teamID: $t, agentID: $a) { id } }`, map[string]any{"t": w.tier2, "a": otto}, nil)
		w.admin.Must(t, `mutation($t: ID!, $a: ID!) { setTeamLead(teamID: $t, agentID: $a) { id } }`, map[string]any{"t": w.tier2, "a": otto}, nil)
		login := func(email string) *gqltest.Client {
			var out struct{ Login struct{ Token string } }
			w.admin.Must(t, `mutation($e: String!) { login(email: $e, password: "`+adminPassword+`") { token } }`, map[string]any{"e": email}, &out)
			return &gqltest.Client{URL: w.url, Token: out.Login.Token}
		}
		alice, lee, mona, otto2 := login("alice@example.com"), login("lee@example.com"), login("mona@example.com"), login("otto@example.com")
		_, customer := w.newCustomer(t, "Wile", "ACME")
		var tok struct{ CreateAPIToken struct{ Token string } }
		w.admin.Must(t, `mutation { createAPIToken(input: {name: "crm", scopes: [TICKETS_READ, TICKETS_WRITE]}) { token } }`, nil, &tok)
		integration := &gqltest.Client{URL: w.url, Token: tok.CreateAPIToken.Token}

		id := w.createTicket(t, "HIGH") // Support's, assigned to Alice
		set := `mutation($id: ID!, $p: ID) { setTicketSLAPolicy(id: $id, policyID: $p) { slaPolicy { id } } }`
		policyOf := func() string {
			tk, err := w.app.DB.Client.Ticket.Get(ctx, gid.ID(id))
			if err != nil {
				t.Fatal(err)
			}
			if tk.SLAPolicyID == nil {
				return ""
			}
			return string(*tk.SLAPolicyID)
		}
		alice.MustFail(t, "FORBIDDEN", set, map[string]any{"id": id, "p": fast.CreateSLAPolicy.ID})
		otto2.MustFail(t, "NOT_FOUND", set, map[string]any{"id": id, "p": fast.CreateSLAPolicy.ID})
		customer.MustFail(t, "FORBIDDEN", set, map[string]any{"id": id, "p": fast.CreateSLAPolicy.ID})
		integration.MustFail(t, "FORBIDDEN", set, map[string]any{"id": id, "p": fast.CreateSLAPolicy.ID})
		if p := policyOf(); p != w.policy {
			t.Fatalf("after refused attempts the ticket has policy %s, want the default %s", p, w.policy)
		}
		for _, c := range []struct {
			who    string
			client *gqltest.Client
			policy string
		}{{"Support's lead", lee, fast.CreateSLAPolicy.ID}, {"a manager", mona, w.policy}} {
			var out struct {
				SetTicketSLAPolicy struct{ SLAPolicy struct{ ID string } }
			}
			c.client.Must(t, set, map[string]any{"id": id, "p": c.policy}, &out)
			if out.SetTicketSLAPolicy.SLAPolicy.ID != c.policy || policyOf() != c.policy {
				t.Fatalf("%s chose %s; the ticket has %s", c.who, c.policy, policyOf())
			}
		}

		preview := `query($p: ID!, $f: Time!) { slaPreview(policyID: $p, priority: HIGH, from: $f) { firstResponseDueAt } }`
		vars := map[string]any{"p": w.policy, "f": friday1630}
		for _, c := range []*gqltest.Client{alice, lee, mona, otto2} {
			var out struct {
				SLAPreview struct{ FirstResponseDueAt *string }
			}
			c.Must(t, preview, vars, &out)
			if out.SLAPreview.FirstResponseDueAt == nil {
				t.Fatal("a staff member's preview has no first response due time")
			}
		}
		customer.MustFail(t, "FORBIDDEN", preview, vars)
		integration.MustFail(t, "FORBIDDEN", preview, vars)
	})
}
