package authz

import (
	"context"
	"fmt"
	"slices"

	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// publicOperations may be used without a token: logging in, and schema
// introspection (the schema is not a secret, and GraphiQL needs it).
var publicOperations = map[string]bool{
	"mutation.login":   true,
	"query.__schema":   true,
	"query.__type":     true,
	"query.__typename": true,
}

// customerOperations are the root fields a customer's token may use.
var customerOperations = map[string]bool{
	"query.tickets": true, "query.ticketByNumber": true, "query.node": true, "query.nodes": true,
	"query.customers": true, "mutation.createTicket": true, "mutation.addComment": true,
}

// integrationOperations are the root fields an integration token may
// use; its scopes decide the rest.
var integrationOperations = map[string]bool{
	"query.tickets": true, "query.ticketByNumber": true, "query.node": true, "query.nodes": true,
	"query.customers": true, "query.categories": true, "query.teams": true, "query.tags": true, "query.teamQueue": true,
	"mutation.createTicket": true, "mutation.updateTicket": true, "mutation.setTicketStatus": true,
	"mutation.addComment": true, "mutation.createCustomer": true, "mutation.updateCustomer": true,
	"subscription.ticketEvents": true, "subscription.ticketChanged": true,
}

// tokenNodeTypes are the object types customers' and integrations' tokens
// may look up by id; the rows themselves are still scoped.
var tokenNodeTypes = map[string]bool{gid.Ticket: true, gid.Comment: true, gid.Customer: true}

// CheckOperation decides whether the request in ctx may use a root field
// (operation is "query.tickets", "mutation.login", …): public fields need
// no token; every other field needs one; customers' and integrations'
// tokens are kept to the fields made for them. What the field then does
// is decided by the service it calls.
func CheckOperation(ctx context.Context, operation string) error {
	if publicOperations[operation] {
		return nil
	}
	v, ok := auth.ViewerFrom(ctx)
	switch {
	case !ok:
		return apperr.Unauthenticated("authentication required: send Authorization: Bearer <token> (see the login mutation)")
	case v.IsCustomer() && !customerOperations[operation], v.IsIntegration() && !integrationOperations[operation]:
		return apperr.Forbidden(fmt.Sprintf("%s is not available to this token", fieldOf(operation)))
	}
	return nil
}

// MayLookUp reports whether the viewer may look objects of the type named
// by an id prefix up by id (node, nodes); the rows are scoped as usual.
func MayLookUp(v auth.Viewer, prefix string) bool {
	return !(v.IsCustomer() || v.IsIntegration()) || tokenNodeTypes[prefix]
}

func fieldOf(operation string) string {
	for i := range operation {
		if operation[i] == '.' {
			return operation[i+1:]
		}
	}
	return operation
}

// CheckFollowTicketEvents decides whether the viewer may subscribe to
// ticket events (each event is then checked against the read scope):
// customers' tokens may not — they read no ticket history — and an
// integration token needs a ticket scope.
func CheckFollowTicketEvents(v auth.Viewer) error {
	switch {
	case v.IsCustomer():
		return apperr.Forbidden("customers' tokens do not receive ticket history")
	case v.IsIntegration() && !slices.Contains(v.Scopes, "TICKETS_READ") && !slices.Contains(v.Scopes, "TICKETS_WRITE"):
		return apperr.Forbidden("this token needs the TICKETS_READ scope to follow ticket events")
	}
	return nil
}
