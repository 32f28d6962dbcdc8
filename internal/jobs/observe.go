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

type diverterKey struct{}

// diverter holds back the jobs of one kind (see WithInsertDiverter).
type diverter struct {
	kind string
	fn   Inserted
	last int64
}

// WithInsertDiverter returns ctx under which jobs of kind are not
// inserted: fn receives each as the row it would have been, with an id
// of its own (negative, counting down) and the scheduled time, queue,
// priority, attempts and tags it asked for. The caller decides what
// becomes of them, and inserts those it keeps with InsertRowsTx. The
// demo loader replays its SLA timers so: most of them fire during the
// load and would only be inserted to be deleted.
func WithInsertDiverter(ctx context.Context, kind string, fn Inserted) context.Context {
	return context.WithValue(ctx, diverterKey{}, &diverter{kind: kind, fn: fn})
}

// divert hands the jobs to d instead of inserting them, when all of them
// are of d's kind.
func (d *diverter) divert(many []*rivertype.JobInsertParams) ([]*rivertype.JobInsertResult, bool) {
	for _, p := range many {
		if p.Kind != d.kind {
			return nil, false
		}
	}
	res := make([]*rivertype.JobInsertResult, len(many))
	for i, p := range many {
		d.last--
		row := &rivertype.JobRow{
			ID: d.last, Kind: p.Kind, EncodedArgs: p.EncodedArgs, MaxAttempts: p.MaxAttempts,
			Priority: p.Priority, Queue: p.Queue, State: p.State, Tags: p.Tags, Metadata: p.Metadata,
		}
		if p.ScheduledAt != nil {
			row.ScheduledAt = *p.ScheduledAt
		}
		d.fn(row)
		res[i] = &rivertype.JobInsertResult{Job: row}
	}
	return res, true
}

// InsertRowsTx inserts on tx jobs described by rows (as WithInsertDiverter
// or a job listing gives them): their kind, arguments, queue, priority,
// attempts, tags and scheduled time.
func (q *Queue) InsertRowsTx(ctx context.Context, tx *sql.Tx, rows []*rivertype.JobRow) error {
	const batch = 1000
	ctx = context.WithValue(ctx, diverterKey{}, nil) // these are kept
	for len(rows) > 0 {
		n := min(batch, len(rows))
		params := make([]river.InsertManyParams, n)
		for i, j := range rows[:n] {
			params[i] = river.InsertManyParams{
				Args: rawArgs{kind: j.Kind, encoded: j.EncodedArgs},
				InsertOpts: &river.InsertOpts{
					Queue: j.Queue, Priority: j.Priority, MaxAttempts: j.MaxAttempts,
					ScheduledAt: j.ScheduledAt, Tags: j.Tags,
				},
			}
		}
		if _, err := q.client.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("inserting jobs: %w", err)
		}
		rows = rows[n:]
	}
	return nil
}

// observer is insert middleware calling the context's Inserted, and
// holding back the jobs of the context's diverter.
type observer struct{ river.MiddlewareDefaults }

func (*observer) InsertMany(ctx context.Context, many []*rivertype.JobInsertParams,
	doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	if d, ok := ctx.Value(diverterKey{}).(*diverter); ok {
		if res, diverted := d.divert(many); diverted {
			return res, nil
		}
	}
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
