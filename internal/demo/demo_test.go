package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/category"
	"helpdesk/ent/comment"
	"helpdesk/ent/notification"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/demo"
	"helpdesk/internal/notify"
	"helpdesk/internal/search"
	"helpdesk/internal/server"
	"helpdesk/internal/sla"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

func TestLoadFillsAnEmptyDatabase(t *testing.T) {
	testdb.ForEach(t, testLoadFillsAnEmptyDatabase)
}

func testLoadFillsAnEmptyDatabase(t *testing.T, dial string) {
	ctx := auth.WithViewer(context.Background(), auth.System)
	db := testdb.Open(t, dial)
	app, err := server.NewApp(ctx, db, server.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	// A shorter history proves the load and the copy to PostgreSQL; the
	// full demo is loaded by the end-to-end tests of the real binary.
	ticketCount := 400
	services := demo.Services{DB: db, Tickets: app.Tickets, Directory: app.Directory, Catalog: app.Catalog, TicketCount: ticketCount}
	client := db.Client
	count := func(n int, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	if empty, err := demo.IsEmpty(ctx, client); err != nil || !empty {
		t.Fatalf("IsEmpty before Load = %v, %v; want true", empty, err)
	}
	now := time.Date(2025, time.June, 18, 10, 30, 0, 0, time.UTC)
	start := time.Now()
	sum, loaded, err := app.LoadDemo(ctx, now, ticketCount)
	if err != nil || !loaded {
		t.Fatalf("LoadDemo = %v, %v", loaded, err)
	}
	t.Logf("Load took %s: %+v ", time.Since(start).Round(time.Millisecond), sum)
	if empty, err := demo.IsEmpty(ctx, client); err != nil || empty {
		t.Fatalf("IsEmpty after Load = %v, %v; want false", empty, err)
	}

	want := demo.Summary{Teams: 3, Agents: 10, Customers: 200, Tickets: ticketCount}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"teams", count(client.Team.Query().Count(ctx)), want.Teams},
		{"agents", count(client.Agent.Query().Count(ctx)), want.Agents},
		{"customers", count(client.Customer.Query().Count(ctx)), want.Customers},
		{"tickets", count(client.Ticket.Query().Count(ctx)), want.Tickets},
		{"summary teams", sum.Teams, want.Teams},
		{"summary agents", sum.Agents, want.Agents},
		{"summary customers", sum.Customers, want.Customers},
		{"summary tickets", sum.Tickets, want.Tickets},
		{"summary categories", sum.Categories, count(client.Category.Query().Count(ctx))},
		{"summary SLA policies", sum.SLAPolicies, count(client.SLAPolicy.Query().Count(ctx))},
		{"summary comments", sum.Comments, count(client.Comment.Query().Count(ctx))},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}
	commented := count(client.Ticket.Query().Where(ticket.HasComments()).Count(ctx))
	t.Logf("%d of %d tickets have comments", commented, sum.Tickets)
	if commented*2 <= sum.Tickets {
		t.Errorf("%d of %d tickets have comments; want most of them", commented, sum.Tickets)
	}

	admin, err := client.Agent.Query().Where(agent.Email(demo.AdminEmail)).Only(ctx)
	if err != nil {
		t.Fatalf("loading the admin: %v", err)
	}
	if admin.Role != agent.RoleADMIN || !auth.CheckPassword(admin.PasswordHash, demo.AdminPassword) {
		t.Errorf("admin has role %s and the password matches: %v", admin.Role,
			auth.CheckPassword(admin.PasswordHash, demo.AdminPassword))
	}
	if n := count(client.Category.Query().Where(category.Level(3)).Count(ctx)); n == 0 {
		t.Error("no category at level 3")
	}

	tickets, err := client.Ticket.Query().Order(ent.Asc(ticket.FieldNumber)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[ticket.Status]int{}
	channels := map[ticket.Channel]int{}
	earliest := now.Add(-90 * 24 * time.Hour)
	for i, tk := range tickets {
		statuses[tk.Status]++
		channels[tk.Channel]++
		if tk.Number != i+1 {
			t.Fatalf("ticket %d has number %d; want numbers 1..%d in a row", i+1, tk.Number, len(tickets))
		}
		if tk.CreatedAt.Before(earliest) || tk.CreatedAt.After(now) || tk.UpdatedAt.Before(tk.CreatedAt) || tk.UpdatedAt.After(now) {
			t.Errorf("ticket #%d created %s, updated %s; want both within the 90 days before %s",
				tk.Number, tk.CreatedAt, tk.UpdatedAt, now)
		}
		if i > 0 && tk.CreatedAt.Before(tickets[i-1].CreatedAt) {
			t.Errorf("ticket #%d is older than #%d", tk.Number, tickets[i-1].Number)
		}
		if (tk.Channel == ticket.ChannelINTERNAL) != (tk.Internal && tk.CustomerID == nil) {
			t.Errorf("ticket #%d: channel %s, internal %v, customer %v", tk.Number, tk.Channel, tk.Internal, tk.CustomerID)
		}
		if tk.Status == ticket.StatusRESOLVED && tk.ResolvedAt != nil && tk.ResolvedAt.Before(now.Add(-ticketing.DefaultAutoCloseAfter)) {
			t.Errorf("ticket #%d is still RESOLVED since %s; the auto-close delay had passed", tk.Number, tk.ResolvedAt)
		}
		if (tk.Status == ticket.StatusUNASSIGNED) != (tk.AssigneeID == nil) && tk.Status != ticket.StatusCANCELLED {
			t.Errorf("ticket #%d is %s with assignee %v", tk.Number, tk.Status, tk.AssigneeID)
		}
	}
	for _, s := range allStatuses {
		// Free agents take new tickets at once (team strategies), so only
		// the whole demo history is sure to leave some in a team queue.
		if s == ticket.StatusUNASSIGNED && ticketCount < demo.DefaultTicketCount {
			continue
		}
		if statuses[s] == 0 {
			t.Errorf("no ticket is %s (statuses: %v)", s, statuses)
		}
	}
	for _, c := range allChannels {
		if channels[c] == 0 {
			t.Errorf("no ticket came by %s (channels: %v)", c, channels)
		}
	}
	t.Logf("statuses %v", statuses)
	t.Logf("channels %v", channels)

	without := count(client.Ticket.Query().Where(ticket.Not(ticket.HasEvents())).Count(ctx))
	if without > 0 {
		t.Errorf("%d tickets have no TicketEvent", without)
	}
	late := count(client.TicketEvent.Query().Where(ticketevent.Or(
		ticketevent.CreatedAtGT(now), ticketevent.CreatedAtLT(earliest))).Count(ctx))
	if late > 0 {
		t.Errorf("%d ticket events lie outside the 90 days before now", late)
	}
	assertEventsInTimeOrder(t, client)

	assertFeaturesShown(t, ctx, app, db, tickets)
	assertNoTimerOverdue(t, ctx, app, now)

	if _, err := demo.Load(ctx, services, now, 1); err == nil {
		t.Error("a second Load into the filled database succeeded; want an error")
	}
	// The counters came along: the next ticket follows the demo's.
	internal := true
	next, err := app.Tickets.CreateTicket(ctx, ticketing.CreateTicketInput{Title: "After the demo", Channel: ticket.ChannelINTERNAL, Internal: &internal})
	if err != nil || next.Number != ticketCount+1 {
		t.Errorf("a ticket created after the demo: %v, %v; want number %d", next, err, ticketCount+1)
	}
	if _, loaded, err := app.LoadDemo(ctx, now, ticketCount); err != nil || loaded {
		t.Errorf("a second LoadDemo = %v, %v; want nothing loaded", loaded, err)
	}
}

var (
	allStatuses = []ticket.Status{
		ticket.StatusUNASSIGNED, ticket.StatusOPEN, ticket.StatusIN_PROGRESS, ticket.StatusWAITING,
		ticket.StatusRESOLVED, ticket.StatusCLOSED, ticket.StatusCANCELLED,
	}
	allChannels = []ticket.Channel{
		ticket.ChannelEMAIL, ticket.ChannelCHAT, ticket.ChannelPHONE, ticket.ChannelFACEBOOK,
		ticket.ChannelWEB, ticket.ChannelAPI, ticket.ChannelINTERNAL,
	}
)

// assertEventsInTimeOrder checks that the event log's sequence follows
// time, as it does in production.
func assertEventsInTimeOrder(t *testing.T, client *ent.Client) {
	t.Helper()
	events, err := client.TicketEvent.Query().Order(ent.Asc(ticketevent.FieldSequence)).All(auth.WithViewer(context.Background(), auth.System))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(events); i++ {
		if events[i].CreatedAt.Before(events[i-1].CreatedAt) {
			t.Fatalf("event %d (%s) is dated before event %d (%s)",
				events[i].Sequence, events[i].CreatedAt, events[i-1].Sequence, events[i-1].CreatedAt)
		}
	}
}

// assertFeaturesShown checks that the demo shows what the helpdesk does:
// every SLA state, mentions that notified the agents they name, breaches
// that notified someone, and tickets and comments in Vietnamese (found
// by a search typed without accents) and Thai.
func assertFeaturesShown(t *testing.T, ctx context.Context, app *server.App, db *store.DB, tickets []*ent.Ticket) {
	t.Helper()
	client := db.Client
	states := map[ticket.SLAState]int{}
	thai := 0
	var thaiTicket *ent.Ticket
	for _, tk := range tickets {
		states[tk.SLAState]++
		if strings.ContainsFunc(tk.Title, func(r rune) bool { return unicode.Is(unicode.Thai, r) }) {
			thai++
			thaiTicket = tk
		}
	}
	t.Logf("SLA states %v; %d tickets in Thai", states, thai)
	for _, st := range []ticket.SLAState{ticket.SLAStateON_TRACK, ticket.SLAStateAT_RISK, ticket.SLAStateBREACHED,
		ticket.SLAStateMET, ticket.SLAStatePAUSED} {
		if states[st] == 0 {
			t.Errorf("no ticket's SLA state is %s (states: %v)", st, states)
		}
	}
	if thai == 0 {
		t.Error("no ticket is written in Thai")
	}
	thaiComments, err := client.Comment.Query().Where(comment.BodyContains("ค่ะ")).Count(ctx)
	if err != nil || thaiComments == 0 {
		t.Errorf("Thai comments: %d, %v; want some", thaiComments, err)
	}

	mentions, err := client.Notification.Query().Where(notification.KindEQ(notification.KindMENTIONED)).
		WithRecipient().WithTicket(func(q *ent.TicketQuery) { q.WithComments() }).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(mentions) == 0 {
		t.Error("no agent was notified of a mention")
	}
	for _, n := range mentions {
		handle := "@" + notify.Handle(n.Edges.Recipient.Email)
		named := false
		for _, c := range n.Edges.Ticket.Edges.Comments {
			named = named || strings.Contains(c.Body, handle)
		}
		if !named {
			t.Errorf("%s was notified of a mention on ticket #%d, whose comments never name them", handle, n.Edges.Ticket.Number)
		}
	}
	breaches, err := client.Notification.Query().Where(notification.KindEQ(notification.KindSLA_BREACHED)).Count(ctx)
	if err != nil || breaches == 0 {
		t.Errorf("SLA breach notifications: %d, %v; want some", breaches, err)
	}

	found, err := (&search.Service{Client: client, Dialect: db.Dialect}).TicketFilter(ctx, "khieu nai")
	if err != nil {
		t.Fatal(err)
	}
	n, err := client.Ticket.Query().Where(found).Count(ctx)
	if err != nil || n == 0 {
		t.Errorf("searching for \"khieu nai\" found %d tickets, %v; want the ones saying khiếu nại", n, err)
	}
	// Thai is written without spaces: a piece from the middle of a
	// title finds its ticket.
	if thaiTicket != nil {
		title := []rune(thaiTicket.Title)
		piece := string(title[len(title)/3 : len(title)/3+4])
		found, err := (&search.Service{Client: client, Dialect: db.Dialect}).TicketFilter(ctx, piece)
		if err != nil {
			t.Fatal(err)
		}
		n, err := client.Ticket.Query().Where(found, ticket.ID(thaiTicket.ID)).Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("searching for %q (from ticket #%d, %q) found it %d times, %v; want once", piece, thaiTicket.Number, thaiTicket.Title, n, err)
		}
	}
}

// assertNoTimerOverdue checks that the load fired every SLA timer due by
// now: the server's first start has nothing to catch up on, so it does
// not breach and escalate a burst of tickets at once.
func assertNoTimerOverdue(t *testing.T, ctx context.Context, app *server.App, now time.Time) {
	t.Helper()
	pending, err := app.Jobs.Pending(ctx, sla.TimerArgs{}.Kind())
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) == 0 {
		t.Error("no SLA timer is pending after the load; want the running clocks' timers")
	}
	for _, j := range pending {
		if !j.ScheduledAt.After(now) {
			t.Errorf("SLA timer %d (%s) was due at %s, before the load's now %s", j.ID, j.EncodedArgs, j.ScheduledAt, now)
		}
	}
	escalated, err := app.DB.Client.TicketEvent.Query().Where(ticketevent.KindEQ(ticketevent.KindTEAM_CHANGED), ticketevent.ActorIDIsNil()).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d SLA timers pending, %d tickets escalated by a breach", len(pending), escalated)
}
