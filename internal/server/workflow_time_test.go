package server_test

import (
	"errors"
	"testing"
	"time"

	"helpdesk/ent/agent"
	"helpdesk/ent/comment"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// A scripted day of one ticket on a fixed clock: time to first
// assignment, first response, working and waiting time and resolution
// time are kept as they happen, exposed, filterable and sortable; a
// customer's reply reopens the RESOLVED ticket; once CLOSED it takes no
// agent comment, and the customer's next message opens a linked
// follow-up.
func TestTimeTrackingAlongAScriptedDay(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		d := newDesk(t, dial)
		ana := d.agent("ana", 5, agent.AvailabilityOFFLINE)
		tm := d.team("Support", team.AssignmentStrategyPRIORITY, ana)
		cus, err := d.app.Directory.CreateCustomer(d.ctx, directory.CreateCustomerInput{Name: "Carla", Email: ptr("carla@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		created, err := d.app.Tickets.CreateTicket(d.ctx, ticketing.CreateTicketInput{
			Title: "Parcel arrived damaged", Channel: ticket.ChannelEMAIL, CustomerID: &cus.ID, TeamID: &tm,
		})
		if err != nil {
			t.Fatal(err)
		}
		id := created.ID
		c := d.serve("ana")["ana"]
		reply := func(v auth.Viewer, body string, vis comment.Visibility) (*ticketing.AddCommentInput, error) {
			in := ticketing.AddCommentInput{TicketID: id, Body: body, Visibility: vis}
			_, err := d.app.Tickets.AddComment(auth.WithViewer(d.ctx, v), in)
			return &in, err
		}
		anaViewer, err := d.app.Auth.Authenticate(d.ctx, c.Token)
		if err != nil {
			t.Fatal(err)
		}

		d.clock.Advance(60 * time.Second)
		d.availability(ana, agent.AvailabilityONLINE) // pulls the ticket: 60 s to first assignment
		d.clock.Advance(15 * time.Second)
		if _, err := reply(anaViewer, "Internal: checking the courier", comment.VisibilityINTERNAL); err != nil {
			t.Fatal(err)
		}
		d.clock.Advance(15 * time.Second)
		if _, err := reply(anaViewer, "Sorry to hear that, we are on it", comment.VisibilityPUBLIC); err != nil {
			t.Fatal(err) // first response after 90 s (the internal note does not count)
		}
		d.clock.Advance(10 * time.Second)
		d.status(id, ticket.StatusIN_PROGRESS) // +1 s (d.status advances the clock)
		d.clock.Advance(600*time.Second - time.Second)
		d.status(id, ticket.StatusWAITING) // 600 s working
		d.clock.Advance(300*time.Second - time.Second)
		d.status(id, ticket.StatusIN_PROGRESS) // 300 s waiting
		d.clock.Advance(120*time.Second - time.Second)
		d.status(id, ticket.StatusRESOLVED) // 720 s working in all, 1121 s after creation

		got := d.get(id)
		resolvedAfter := int(got.ResolvedAt.Sub(got.CreatedAt) / time.Second)
		check := func(name string, got *int, want int) {
			t.Helper()
			if got == nil || *got != want {
				t.Fatalf("%s = %v, want %d", name, got, want)
			}
		}
		check("firstAssignmentSeconds", got.FirstAssignmentSeconds, 60)
		check("firstResponseSeconds", got.FirstResponseSeconds, 90)
		check("workingSeconds", &got.WorkingSeconds, 720)
		check("waitingSeconds", &got.WaitingSeconds, 300)
		check("resolutionSeconds", got.ResolutionSeconds, 1121)
		check("resolution from resolvedAt", &resolvedAfter, 1121)
		// The log gives the same figures: recomputing changes nothing.
		again, err := d.app.Tickets.RecomputeTicketTimes(d.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if again.Version != got.Version || again.WorkingSeconds != 720 || again.WaitingSeconds != 300 {
			t.Fatalf("recomputed from the log: version %d → %d, %d working, %d waiting; want no change",
				got.Version, again.Version, again.WorkingSeconds, again.WaitingSeconds)
		}

		// The same figures over GraphQL, filterable and sortable.
		var page struct {
			Tickets struct {
				Edges []struct {
					Node struct {
						ID                                           gid.ID
						WorkingSeconds, WaitingSeconds               int
						FirstAssignmentSeconds, FirstResponseSeconds *int
						ResolutionSeconds                            *int
						FirstAssignedAt                              *time.Time
					}
				}
			}
		}
		c.Must(t, `{ tickets(where: {firstResponseSecondsGTE: 90, workingSecondsGT: 0}, orderBy: [{field: RESOLUTION_SECONDS, direction: DESC}, {field: FIRST_ASSIGNMENT_SECONDS}]) {
			edges { node { id workingSeconds waitingSeconds firstAssignmentSeconds firstResponseSeconds resolutionSeconds firstAssignedAt } } } }`, nil, &page)
		if len(page.Tickets.Edges) != 1 {
			t.Fatalf("filter on firstResponseSeconds found %d tickets, want 1", len(page.Tickets.Edges))
		}
		if n := page.Tickets.Edges[0].Node; n.ID != id || n.WorkingSeconds != 720 || *n.ResolutionSeconds != 1121 || n.FirstAssignedAt == nil {
			t.Fatalf("over GraphQL: %+v", n)
		}
		var none struct{ Tickets struct{ TotalCount int } }
		c.Must(t, `{ tickets(where: {firstResponseSecondsGT: 90}) { totalCount } }`, nil, &none)
		if none.Tickets.TotalCount != 0 {
			t.Fatalf("firstResponseSecondsGT: 90 matched %d tickets", none.Tickets.TotalCount)
		}

		// The customer writes: the ticket reopens, with its assignee.
		d.clock.Advance(time.Hour)
		if _, err := reply(auth.Viewer{Name: "Carla", CustomerID: cus.ID, TokenID: "tok_test"}, "It happened again", comment.VisibilityPUBLIC); err != nil {
			t.Fatal(err)
		}
		if got := d.get(id); got.Status != ticket.StatusOPEN || assigneeOf(got) != ana || got.ResolutionSeconds != nil {
			t.Fatalf("after the customer's reply: %s, %q, resolution %v; want OPEN, ana's, none", got.Status, assigneeOf(got), got.ResolutionSeconds)
		}
		d.status(id, ticket.StatusRESOLVED)
		d.status(id, ticket.StatusCLOSED)

		// Closed: an agent's comment is refused, clearly.
		_, err = reply(anaViewer, "One more thing", comment.VisibilityPUBLIC)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.CodeConflict {
			t.Fatalf("commenting on a CLOSED ticket: %v, want CONFLICT", err)
		}
		// The customer's message opens a follow-up linked to it.
		before := d.get(id).Version
		if _, err := reply(auth.Viewer{Name: "Carla", CustomerID: cus.ID, TokenID: "tok_test"}, "Still broken", comment.VisibilityPUBLIC); err != nil {
			t.Fatal(err)
		}
		if d.get(id).Version != before {
			t.Fatal("the closed ticket changed")
		}
		follow, err := d.app.DB.Client.Ticket.Query().Where(ticket.FollowUpOfID(id)).Only(d.ctx)
		if err != nil {
			t.Fatalf("finding the follow-up: %v", err)
		}
		msgs, err := follow.QueryComments().All(d.ctx)
		if err != nil || len(msgs) != 1 || msgs[0].Body != "Still broken" {
			t.Fatalf("the follow-up should carry the message: %v %v", msgs, err)
		}
		if follow.CustomerID == nil || *follow.CustomerID != cus.ID || follow.TeamID == nil || *follow.TeamID != tm || assigneeOf(follow) != ana {
			t.Fatalf("the follow-up should be the customer's, in the team, and assigned by its strategy: %+v", follow)
		}
	})
}
