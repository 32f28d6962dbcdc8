package stats

import (
	"context"
	"reflect"
	"strings"
	"time"
)

// DefaultPushInterval is the least time between two pushes of a live
// dashboard.
const DefaultPushInterval = time.Second

// Watch keeps a live dashboard: it sends first (the buckets as computed
// when the subscription began) on out, then, each time changed signals
// that tickets moved, computes req again and sends the buckets that
// differ from what was last sent — a bucket that emptied is sent with a
// count of zero. Signals are coalesced: it computes at most once per
// interval (DefaultPushInterval when zero), and sends nothing when no
// figure changed. It returns nil when ctx ends or changed is closed, and
// the error of a computation that failed.
func (s *Service) Watch(ctx context.Context, req Request, first []*Bucket, interval time.Duration, changed <-chan struct{}, out chan<- []*Bucket) error {
	if interval <= 0 {
		interval = DefaultPushInterval
	}
	send := func(bs []*Bucket) bool {
		select {
		case out <- bs:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if first == nil {
		first = []*Bucket{}
	}
	if !send(first) {
		return nil
	}
	last, sent := time.Now(), index(first)
	var timer *time.Timer
	var due <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-changed:
			if !ok {
				return nil
			}
			if due == nil {
				timer = time.NewTimer(max(0, interval-time.Since(last)))
				due = timer.C
			}
		case <-due:
			due = nil
			bs, err := s.Tickets(ctx, req)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			last = time.Now()
			diff := changes(sent, bs)
			sent = index(bs)
			if len(diff) > 0 && !send(diff) {
				return nil
			}
		}
	}
}

// changes returns the buckets of now that differ from before, then the
// buckets of before that now lacks, emptied.
func changes(before map[string]*Bucket, now []*Bucket) []*Bucket {
	var out []*Bucket
	seen := map[string]bool{}
	for _, b := range now {
		k := bucketKey(b)
		seen[k] = true
		if old, ok := before[k]; !ok || !reflect.DeepEqual(old, b) {
			out = append(out, b)
		}
	}
	var gone []*Bucket
	for k, b := range before {
		if !seen[k] {
			gone = append(gone, emptied(b))
		}
	}
	sortBuckets(gone)
	return append(out, gone...)
}

// emptied is b with its keys and drill-down and no tickets.
func emptied(b *Bucket) *Bucket {
	return &Bucket{
		Status: b.Status, Priority: b.Priority, Channel: b.Channel, TeamID: b.TeamID, AssigneeID: b.AssigneeID,
		CategoryID: b.CategoryID, CustomerID: b.CustomerID, TagID: b.TagID, Period: b.Period,
		Where: b.Where, categoryKeyLevel: b.categoryKeyLevel,
	}
}

func index(bs []*Bucket) map[string]*Bucket {
	m := make(map[string]*Bucket, len(bs))
	for _, b := range bs {
		m[bucketKey(b)] = b
	}
	return m
}

// bucketKey names a bucket by its keys.
func bucketKey(b *Bucket) string {
	var w strings.Builder
	for _, k := range []*string{strp(b.Status), strp(b.Priority), strp(b.Channel), strp(b.TeamID), strp(b.AssigneeID),
		strp(b.CategoryID), strp(b.CustomerID), strp(b.TagID), periodKey(b.Period)} {
		if k == nil {
			w.WriteString("\x00-")
		} else {
			w.WriteString("\x00" + *k)
		}
	}
	return w.String()
}
