package server_test

import (
	"context"
	"strings"
	"testing"

	"helpdesk/ent/agent"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/testdb"
)

// A breach whose policy escalates takes the workflow's escalation path:
// the ticket is recorded as ESCALATED by the system with the breached
// metric as the reason, its priority is raised because Support says
// escalations raise it (the policy itself does not), and Tier 2's
// strategy gives it to Tier 2's free member.
func TestSLABreachEscalatesThroughTheWorkflow(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		ctx := auth.WithViewer(context.Background(), auth.System)
		role := agent.RoleAGENT
		tom, err := w.app.Directory.CreateAgent(ctx, directory.CreateAgentInput{Name: "Tom Tier", Email: "tom@example.com", Password: adminPassword, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		w.admin.Must(t, `mutation($t: ID!, $a: ID!) { addTeamMember(teamID: $t, agentID: $a) { id } }`, map[string]any{"t": w.tier2, "a": tom.ID}, nil)
		w.admin.Must(t, `mutation($a: ID!) { setAvailability(availability: ONLINE, agentID: $a) { id } }`, map[string]any{"a": tom.ID}, nil)
		w.admin.Must(t, `mutation($t: ID!) { updateTeam(id: $t, input: {assignmentStrategy: PRIORITY}) { id } }`, map[string]any{"t": w.tier2}, nil)
		w.admin.Must(t, `mutation($t: ID!) { updateTeam(id: $t, input: {escalationRaisesPriority: true}) { id } }`, map[string]any{"t": w.support}, nil)
		w.admin.Must(t, `mutation($p: ID!) { updateSLAPolicy(id: $p, input: {breachActions: [NOTIFY, ESCALATE]}) { id } }`, map[string]any{"p": w.policy}, nil)

		id := w.createTicket(t, "HIGH")
		for _, step := range []struct {
			percent int
			at      string
		}{{75, "2026-11-30 09:00"}, {90, "2026-11-30 09:18"}, {100, "2026-11-30 09:30"}} {
			clock.now = hcmTime(t, step.at)
			w.fire(t, w.timerAt(t, step.percent, clock.now))
		}

		kinds := w.eventKinds(t, id)
		if count(kinds, "ESCALATED") != 1 || count(kinds, "TEAM_CHANGED") != 0 {
			t.Fatalf("events %v: want one ESCALATED and no TEAM_CHANGED", kinds)
		}
		escalated, err := w.app.DB.Client.TicketEvent.Query().
			Where(ticketevent.TicketID(gid.ID(id)), ticketevent.KindEQ(ticketevent.KindESCALATED)).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fields := map[string]*string{}
		for _, ch := range escalated.Changes {
			fields[ch.Field] = ch.To
		}
		if r := fields["escalationReason"]; r == nil || !strings.Contains(*r, "FIRST_RESPONSE") || escalated.ActorID != nil {
			t.Fatalf("ESCALATED by %v with %+v: want the system, and a reason naming FIRST_RESPONSE", escalated.ActorID, escalated.Changes)
		}
		if p := fields["priority"]; p == nil || *p != "URGENT" {
			t.Fatalf("ESCALATED changes %+v: want the priority raised to URGENT", escalated.Changes)
		}
		got := w.ticket(t, id)
		if got.Team.Name != "Tier 2" || got.Assignee == nil || got.Assignee.Name != "Tom Tier" || got.Status != "OPEN" || got.Priority != "URGENT" {
			t.Fatalf("after the breach: team %s, assignee %v, %s, %s; want Tier 2, Tom Tier, OPEN, URGENT",
				got.Team.Name, got.Assignee, got.Status, got.Priority)
		}
	})
}
