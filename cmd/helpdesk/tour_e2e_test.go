package main_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"helpdesk/internal/testdb"
)

// TestREADMEQueueTour runs the README's tour of the team queue (the
// block after <!-- queue-tour -->), with the five-minute tour's login and
// gql function, against the real binary on each database, and checks
// every answer against the `# →` line that follows its command. So the
// README's commands and answers are the ones the server gives.
func TestREADMEQueueTour(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	login := readmeLines(t, string(readme), "# 1. Log in and keep the token.", "gql() {")
	tour := readmeBlock(t, string(readme), "<!-- queue-tour -->")
	var want []string
	for _, line := range strings.Split(tour, "\n") {
		if answer, ok := strings.CutPrefix(line, "# → "); ok {
			want = append(want, answer)
		}
	}
	if len(want) < 8 {
		t.Fatalf("the README's queue tour has %d answers; it should show each step's", len(want))
	}

	testdb.ForEach(t, func(t *testing.T, dial string) {
		p := start(t, append(databaseEnv(t, dial), "HELPDESK_DEMO=false",
			"HELPDESK_ADMIN_EMAIL=admin@demo.helpdesk", "HELPDESK_ADMIN_PASSWORD=helpdesk-demo")...)
		host := strings.TrimPrefix(p.base, "http://")
		script := "set -eu -o pipefail\n" + strings.ReplaceAll(login+"\n"+tour, "localhost:8080", host)
		cmd := exec.Command("bash", "-c", script)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("running the tour: %v\n%s\noutput so far:\n%s", err, stderr.String(), out)
		}
		got := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		if len(got) != len(want) {
			t.Fatalf("the tour printed %d answers, the README shows %d:\n%s", len(got), len(want), out)
		}
		for i := range want {
			if !answerPattern(want[i]).MatchString(got[i]) {
				t.Errorf("answer %d:\n got %s\nREADME %s", i+1, got[i], want[i])
			}
		}
	})
}

// readmeLines returns the README's lines from the one starting with
// first to the one starting with last.
func readmeLines(t *testing.T, readme, first, last string) string {
	t.Helper()
	i := strings.Index(readme, first)
	if i < 0 {
		t.Fatalf("README has no line %q", first)
	}
	j := strings.Index(readme[i:], "\n"+last)
	if j < 0 {
		t.Fatalf("README has no line %q after %q", last, first)
	}
	end := i + j + 1 + strings.IndexByte(readme[i+j+1:], '\n')
	return readme[i:end]
}

// readmeBlock returns the fenced code block that follows marker.
func readmeBlock(t *testing.T, readme, marker string) string {
	t.Helper()
	i := strings.Index(readme, marker)
	if i < 0 {
		t.Fatalf("README has no %s", marker)
	}
	rest := readme[i:]
	open := strings.Index(rest, "```sh\n")
	if open < 0 {
		t.Fatalf("no code block after %s", marker)
	}
	rest = rest[open+len("```sh\n"):]
	end := strings.Index(rest, "```")
	if end < 0 {
		t.Fatalf("the code block after %s does not end", marker)
	}
	return rest[:end]
}

// answerPattern matches an answer as the README shows it, "…" standing
// for any part of a string (an id).
func answerPattern(shown string) *regexp.Regexp {
	parts := strings.Split(shown, "…")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile(`^` + strings.Join(parts, `[^"]*`) + `$`)
}
