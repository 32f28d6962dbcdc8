package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Inserted is told of each job inserted under a context from
// WithInsertObserver, once its insertion succeeded (on the caller's
// transaction: it exists if that commits).
type Inserted func(job *rivertype.JobRow)

type observerKey struct{}

// WithInsertObserver returns ctx whose job insertions are reported to
// fn. The demo loader replays SLA timers with it: it learns of every
// timer its history schedules without reading the queue back.
func WithInsertObserver(ctx context.Context, fn Inserted) context.Context {
	return context.WithValue(ctx, observerKey{}, fn)
}

// observer is insert middleware calling the context's Inserted.
type observer struct{ river.MiddlewareDefaults }

func (*observer) InsertMany(ctx context.Context, many []*rivertype.JobInsertParams,
	doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	res, err := doInner(ctx)
	if fn, ok := ctx.Value(observerKey{}).(Inserted); ok && err == nil {
		for _, r := range res {
			if !r.UniqueSkippedAsDuplicate {
				fn(r.Job)
			}
		}
	}
	return res, err
}

// DeleteTx deletes the jobs with the given ids on tx (those that have
// not run yet: the demo loader removes the timers it fired itself).
func (q *Queue) DeleteTx(ctx context.Context, tx *sql.Tx, ids []int64) error {
	const batch = 1000
	for len(ids) > 0 {
		n := min(batch, len(ids))
		if _, err := q.client.JobDeleteManyTx(ctx, tx, river.NewJobDeleteManyParams().IDs(ids[:n]...).First(n)); err != nil {
			return fmt.Errorf("deleting jobs: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

// Pending lists the jobs of kind that have not run yet.
func (q *Queue) Pending(ctx context.Context, kind string) ([]*rivertype.JobRow, error) {
	params := river.NewJobListParams().Kinds(kind).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable).First(10_000)
	var out []*rivertype.JobRow
	for {
		page, err := q.client.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("listing pending jobs: %w", err)
		}
		if len(page.Jobs) == 0 {
			return out, nil
		}
		out = append(out, page.Jobs...)
		params = params.After(page.LastCursor)
	}
}
