package server_test

import (
	"context"
	"errors"
	"testing"

	"helpdesk/ent/agent"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/catalog"
	"helpdesk/internal/directory"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// The services decide permissions themselves, from the viewer in the
// context: called without one they refuse, called for an agent they apply
// the policy — whatever transport called them.
func TestServicesCheckTheViewerInTheirContext(t *testing.T) {
	e := newEnv(t, testdb.Dialects[0])
	anonymous := context.Background()
	plain := auth.WithViewer(context.Background(), auth.Viewer{AgentID: "agt_01JD00000000000000000000AB", Name: "Plain", Role: agent.RoleAGENT})
	internal := true
	for _, tc := range []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"createTeam", func(ctx context.Context) error {
			_, err := e.app.Directory.CreateTeam(ctx, directory.CreateTeamInput{Name: "Nope"})
			return err
		}},
		{"createCategory", func(ctx context.Context) error {
			_, err := e.app.Catalog.CreateCategory(ctx, catalog.CreateCategoryInput{Name: "Nope"})
			return err
		}},
		{"grantRole", func(ctx context.Context) error {
			_, err := e.app.Directory.GrantRole(ctx, "agt_01JD00000000000000000000AB", agent.RoleADMIN)
			return err
		}},
		{"roleAssignments", func(ctx context.Context) error {
			_, err := e.app.Directory.RoleAssignments(ctx)
			return err
		}},
		{"createAPIToken", func(ctx context.Context) error {
			_, err := e.app.Auth.CreateAPIToken(ctx, auth.CreateAPITokenInput{Name: "Nope", Scopes: []string{"TICKETS_READ"}})
			return err
		}},
	} {
		if err := tc.call(anonymous); !errors.Is(err, apperr.ErrUnauthenticated) {
			t.Errorf("%s without a viewer: %v, want UNAUTHENTICATED", tc.name, err)
		}
		if err := tc.call(plain); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("%s as a plain agent: %v, want FORBIDDEN", tc.name, err)
		}
	}
	if _, err := e.app.Tickets.CreateTicket(anonymous, ticketing.CreateTicketInput{Title: "Nope", Channel: ticket.ChannelINTERNAL, Internal: &internal}); !errors.Is(err, apperr.ErrUnauthenticated) {
		t.Errorf("createTicket without a viewer: %v, want UNAUTHENTICATED", err)
	}
}
