package notify

import (
	"context"
	"fmt"

	"helpdesk/ent"
	"helpdesk/ent/notification"
	"helpdesk/internal/realtime"
)

// watchBuffer is how many ticket events a notification subscriber may
// fall behind before its subscription ends.
const watchBuffer = 256

// Watch delivers on out the viewer's notifications written after it
// starts, until ctx ends (nil) or the event stream does (an error). It
// follows the committed ticket events of the bus — which, on PostgreSQL,
// carries the commits of every replica — and reads, by their sequences,
// the notifications the viewer received with them: a notification is
// committed with its event, so it is there when the event arrives.
func (s *Service) Watch(ctx context.Context, bus realtime.Bus, out chan<- *ent.Notification) error {
	v, err := viewerAgent(ctx)
	if err != nil {
		return err
	}
	sub := bus.Subscribe(watchBuffer)
	defer sub.Close()
	for {
		var seqs []int64
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-sub.C:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return &realtime.Resume{Err: sub.Err()}
			}
			seqs = append(seqs, ev.Sequence)
		}
	drain:
		for len(seqs) < watchBuffer {
			select {
			case ev, ok := <-sub.C:
				if !ok {
					break drain
				}
				seqs = append(seqs, ev.Sequence)
			default:
				break drain
			}
		}
		ns, err := s.Client.Notification.Query().
			Where(notification.RecipientID(v.AgentID), notification.SequenceIn(seqs...)).
			Order(ent.Asc(notification.FieldSequence), ent.Asc(notification.FieldID)).
			All(ctx)
		if err != nil {
			return fmt.Errorf("reading new notifications: %w", err)
		}
		for _, n := range ns {
			select {
			case out <- n:
			case <-ctx.Done():
				return nil
			}
		}
	}
}
