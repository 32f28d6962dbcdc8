package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// CopyPendingTx inserts on tx a copy of every job of from that has not
// run yet (available, scheduled or waiting for a retry), keeping its
// kind, arguments, queue, priority and time. It moves the timers of a
// batch written on a scratch database (the demo) to the real one.
func (q *Queue) CopyPendingTx(ctx context.Context, tx *sql.Tx, from *Queue) (int, error) {
	params := river.NewJobListParams().
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable).
		First(10_000)
	copied := 0
	for {
		page, err := from.client.JobList(ctx, params)
		if err != nil {
			return copied, fmt.Errorf("listing pending jobs: %w", err)
		}
		if len(page.Jobs) == 0 {
			return copied, nil
		}
		if err := q.InsertRowsTx(ctx, tx, page.Jobs); err != nil {
			return copied, fmt.Errorf("copying pending jobs: %w", err)
		}
		copied += len(page.Jobs)
		params = params.After(page.LastCursor)
	}
}

// rawArgs are a job's arguments as stored, inserted again unchanged.
type rawArgs struct {
	kind    string
	encoded []byte
}

// Kind implements river.JobArgs.
func (a rawArgs) Kind() string { return a.kind }

// MarshalJSON gives River the stored arguments.
func (a rawArgs) MarshalJSON() ([]byte, error) { return a.encoded, nil }
