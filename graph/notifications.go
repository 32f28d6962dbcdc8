package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"helpdesk/ent"
	"helpdesk/internal/realtime"
)

// subscribeNotifications starts a notificationAdded subscription.
func (r *Resolver) subscribeNotifications(ctx context.Context) (<-chan *ent.Notification, error) {
	if _, err := r.Notify.Mine(ctx); err != nil {
		return nil, err
	}
	out := make(chan *ent.Notification)
	go func() {
		defer close(out)
		err := r.Notify.Watch(ctx, r.Realtime.Bus, out)
		if err == nil || ctx.Err() != nil {
			return
		}
		if _, ok := realtime.IsResume(err); ok {
			msg := "the server ended this subscription: subscribe again, and query notifications for those committed meanwhile"
			if errors.Is(err, realtime.ErrLagged) {
				msg = "this subscription fell behind: subscribe again, and query notifications for those committed meanwhile"
			}
			transport.AddSubscriptionError(ctx, &gqlerror.Error{Message: msg, Path: graphql.GetPath(ctx),
				Extensions: map[string]any{"code": CodeResumeRequired}})
			return
		}
		r.endSubscription(ctx, err)
	}()
	return out, nil
}
