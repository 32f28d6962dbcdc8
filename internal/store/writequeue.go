package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"
)

// maxWriteWait bounds how long a transaction waits for its turn on
// SQLite. Turns are short and served in order, so reaching it means
// something holds a transaction open (or begins one inside another): the
// wait fails with an error rather than hanging.
const maxWriteWait = time.Minute

// writeQueue lets one SQLite transaction at a time into the database,
// first come, first served. Every SQLite transaction takes the write lock
// when it begins (BEGIN IMMEDIATE), and SQLite's own wait for that lock
// (the busy timeout) polls with growing sleeps: with many writers, a
// waiter can lose the lock to newcomers again and again until its timeout
// runs out, SQLITE_BUSY. Queued here, the process's writers wait in
// order on a Go channel, and the busy timeout only covers other processes
// and statements outside transactions.
type writeQueue struct{ turn chan struct{} }

func newWriteQueue() *writeQueue { return &writeQueue{turn: make(chan struct{}, 1)} }

// errWriteWait is the error of a transaction that waited maxWriteWait.
var errWriteWait = errors.New("waited too long for the database's write turn")

// enter waits for the queue's turn, as long as ctx allows and at most
// maxWriteWait, and returns the function that ends it (which may be
// called more than once).
func (q *writeQueue) enter(ctx context.Context) (leave func(), err error) {
	timer := time.NewTimer(maxWriteWait)
	defer timer.Stop()
	select {
	case q.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the database's write turn: %w", ctx.Err())
	case <-timer.C:
		return nil, errWriteWait
	}
	var once sync.Once
	return func() { once.Do(func() { <-q.turn }) }, nil
}

// queuedTx is a transaction that holds the write queue's turn until it
// commits or rolls back, or its context ends (database/sql then rolls it
// back).
type queuedTx struct {
	driver.Tx
	leave func()
	stop  func() bool
}

func newQueuedTx(ctx context.Context, tx driver.Tx, leave func()) *queuedTx {
	return &queuedTx{Tx: tx, leave: leave, stop: context.AfterFunc(ctx, leave)}
}

func (t *queuedTx) Commit() error {
	defer t.done()
	return t.Tx.Commit()
}

func (t *queuedTx) Rollback() error {
	defer t.done()
	return t.Tx.Rollback()
}

func (t *queuedTx) done() {
	t.stop()
	t.leave()
}
