package graph

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"helpdesk/ent"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/realtime"
)

// CodeResumeRequired is the `extensions.code` of a subscription the
// server ended (the subscriber fell behind, or the server is stopping):
// subscribe again with `after` set to the cursor of the last delivery
// received.
const CodeResumeRequired = "RESUME_REQUIRED"

// subscribeQueue starts a ticketEvents subscription.
func (r *Resolver) subscribeQueue(ctx context.Context, where *ent.TicketWhereInput, after *ent.Cursor) (<-chan *ent.TicketEvent, error) {
	q, err := r.liveQueue(ctx, after)
	if err != nil {
		return nil, err
	}
	if where != nil {
		if q.Match, err = where.P(); err != nil {
			return nil, apperr.Invalid("where", "%s", err)
		}
	}
	if q.Cohort, q.Filter, err = r.cohortOf(ctx, where); err != nil {
		return nil, err
	}
	if q.Recount, err = readsUnrecorded(where); err != nil {
		return nil, err
	}
	q.Scope = r.scopeName(viewer(ctx))
	out := make(chan *ent.TicketEvent)
	go func() {
		defer close(out)
		r.endSubscription(ctx, r.Realtime.Run(ctx, q, out))
	}()
	return tapped(ctx, out), nil
}

// subscribeTicket starts a ticketChanged subscription: the queue of one
// ticket, which must be visible to the viewer.
func (r *Resolver) subscribeTicket(ctx context.Context, id gid.ID, after *ent.Cursor) (<-chan *ent.TicketEvent, error) {
	q, err := r.liveQueue(ctx, after)
	if err != nil {
		return nil, err
	}
	if !id.Valid(gid.Ticket) {
		return nil, apperr.Invalid("id", "is not a ticket id")
	}
	ok, err := r.Client.Ticket.Query().Where(ticket.ID(id)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.NotFound("no ticket %s", id)
	}
	q.Match, q.Single, q.Filter = ticket.ID(id), true, "ticket:"+string(id)
	out := make(chan *ent.TicketEvent)
	go func() {
		defer close(out)
		r.endSubscription(ctx, r.Realtime.Run(ctx, q, out))
	}()
	return out, nil
}

// liveQueue checks who subscribes and where the stream starts.
func (r *Resolver) liveQueue(ctx context.Context, after *ent.Cursor) (realtime.Queue, error) {
	v := viewer(ctx)
	q := realtime.Queue{After: -1, Reads: func(f *authz.TicketFacts) (bool, error) {
		return r.Authz.CanReadTicketHistory(v, f)
	}}
	if err := authz.CheckFollowTicketEvents(v); err != nil {
		return q, err
	}
	if after != nil {
		seq, err := realtime.SequenceOf(ctx, r.Client, after)
		if err != nil {
			return q, err
		}
		q.After = seq
	}
	return q, nil
}

// endSubscription reports why a subscription's stream ended, unless the
// client ended it.
func (r *Resolver) endSubscription(ctx context.Context, err error) {
	if err == nil || ctx.Err() != nil {
		return
	}
	if res, ok := realtime.IsResume(err); ok {
		ext := map[string]any{"code": CodeResumeRequired}
		if res.Last > 0 {
			ext["lastSequence"] = res.Last
		}
		msg := "the server ended this subscription: subscribe again with after set to the last cursor received"
		if errors.Is(err, realtime.ErrLagged) {
			msg = "this subscription fell behind the event stream: subscribe again with after set to the last cursor received"
		}
		transport.AddSubscriptionError(ctx, &gqlerror.Error{Message: msg, Path: graphql.GetPath(ctx), Extensions: ext})
		return
	}
	logger := r.Realtime.Logger
	if logger == nil {
		logger = slog.Default()
	}
	transport.AddSubscriptionError(ctx, ErrorPresenter(logger)(ctx, err))
}
