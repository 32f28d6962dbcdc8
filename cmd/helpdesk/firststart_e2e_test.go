package main_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"helpdesk/internal/demo"
	"helpdesk/internal/testdb"
)

// TestFirstStartKilledDuringTheDemoLoad kills the binary while it loads
// the demo into an empty database (readiness says so), starts it again,
// and expects the whole demo: the load is one transaction, so the first
// process left nothing or everything.
func TestFirstStartKilledDuringTheDemoLoad(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		env := databaseEnv(t, dial)
		first := launch(t, env...)
		waitForReadiness(t, first, "loading demo data")
		if err := first.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = first.cmd.Wait()

		p := start(t, env...)
		admin := login(t, p.client(), demo.AdminEmail, demo.AdminPassword)
		var res struct {
			Tickets   struct{ TotalCount int }
			Agents    struct{ TotalCount int }
			Customers struct{ TotalCount int }
		}
		admin.Must(t, `{ tickets { totalCount } agents { totalCount } customers { totalCount } }`, nil, &res)
		if res.Tickets.TotalCount != demo.DefaultTicketCount || res.Agents.TotalCount != 10 || res.Customers.TotalCount != 200 {
			t.Fatalf("after a killed first start and a second one: %+v, want the whole demo", res)
		}
		p.stop(t)
	})
}

// launch starts the binary without waiting for it to be ready.
func launch(t *testing.T, env ...string) *process {
	t.Helper()
	p := newProcess(t, env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitForReadiness polls /readyz until it names phase (or the process is
// ready, having gone through it faster than the polls).
func waitForReadiness(t *testing.T, p *process, phase string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(p.base + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK || strings.Contains(string(body), phase) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("/readyz never said %q:\n%s", phase, p.logs.String())
}
