package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Writers waiting for their turn are served in the order they came; a
// waiter whose context ends, or who waits maxWriteWait, gives up.
func TestWriteQueueServesWritersInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		q := newWriteQueue()
		leave, err := q.enter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var order []int
		var wg sync.WaitGroup
		for i := range 5 {
			wg.Go(func() {
				next, err := q.enter(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				next()
			})
			synctest.Wait() // writer i waits before writer i+1 comes
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := q.enter(cancelled); !errors.Is(err, context.Canceled) {
			t.Fatalf("a waiter whose context ended: %v, want context.Canceled", err)
		}
		leave()
		leave() // leaving twice frees one turn only
		wg.Wait()
		if want := []int{0, 1, 2, 3, 4}; !slices.Equal(order, want) {
			t.Fatalf("writers were served in the order %v, want %v", order, want)
		}

		held, err := q.enter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := q.enter(ctx); !errors.Is(err, errWriteWait) || time.Since(start) != maxWriteWait {
			t.Fatalf("a waiter behind a turn never ended: %v after %v, want errWriteWait after %v", err, time.Since(start), maxWriteWait)
		}
		held()
	})
}

// A transaction gives its turn back when it commits, rolls back, or its
// context ends.
func TestQueuedTransactionsGiveTheirTurnBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := newWriteQueue()
		for _, end := range []string{"commit", "rollback", "context"} {
			ctx, cancel := context.WithCancel(context.Background())
			leave, err := q.enter(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tx := newQueuedTx(ctx, nopTx{}, leave)
			switch end {
			case "commit":
				_ = tx.Commit()
			case "rollback":
				_ = tx.Rollback()
			case "context":
				cancel()
				synctest.Wait()
			}
			probe, stop := context.WithTimeout(context.Background(), time.Second)
			next, err := q.enter(probe)
			stop()
			if err != nil {
				t.Fatalf("after %s, the next writer waits: %v", end, err)
			}
			next()
			cancel()
		}
	})
}

type nopTx struct{}

func (nopTx) Commit() error   { return nil }
func (nopTx) Rollback() error { return nil }
