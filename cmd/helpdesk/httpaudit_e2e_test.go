package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
)

// nodeTools is the node project (tools/httpaudit) with the GraphQL
// clients' tools; its packages are installed with `npm ci` from the
// committed lock file when node_modules is missing, once per test run.
var nodeTools = sync.OnceValues(func() (string, error) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "tools", "httpaudit"))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil {
		return dir, nil
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &npmError{err: err, out: string(out)}
	}
	return dir, nil
})

type npmError struct {
	err error
	out string
}

func (e *npmError) Error() string { return "npm ci: " + e.err.Error() + "\n" + e.out }

func node(t *testing.T, args ...string) string {
	t.Helper()
	dir, err := nodeTools()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestGraphQLOverHTTPAudit runs graphql-http's audit of the
// GraphQL-over-HTTP specification against the real binary: every MUST
// and SHOULD rule must pass (audit.mjs fails otherwise), and none is
// left out.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	p := start(t, append(databaseEnv(t, dialect.SQLite), "HELPDESK_DEMO=false")...)
	out := node(t, "audit.mjs", p.base+"/graphql")
	t.Logf("audit:\n%s", out)
	if !strings.Contains(out, " 0 MUST or SHOULD not passing") || strings.Contains(out, "FAIL") {
		t.Fatalf("the audit found deviations:\n%s", out)
	}
	if n := strings.Count(out, "\nok ") + strings.Count(out, "\nmay "); n < 50 {
		t.Fatalf("only %d audit rules ran:\n%s", n, out)
	}
	p.stop(t)
}

// TestCodegenBuildsATypedClient has GraphQL Code Generator turn the real
// binary's introspection into a typed TypeScript client for the
// operations clients send (tools/httpaudit/operations.graphql), with no
// error or warning.
func TestCodegenBuildsATypedClient(t *testing.T) {
	p := start(t, append(databaseEnv(t, dialect.SQLite), "HELPDESK_DEMO=false")...)
	client := filepath.Join(t.TempDir(), "client.ts")
	node(t, "codegen.mjs", p.base+"/graphql", client)
	src, err := os.ReadFile(client)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export type QueueQuery = ", "export type ReplyMutation = ", "export type LiveQueueSubscription = ", "export type TicketStatus ="} {
		if !strings.Contains(string(src), want) {
			t.Errorf("the generated client has no %q", want)
		}
	}
	p.stop(t)
}
