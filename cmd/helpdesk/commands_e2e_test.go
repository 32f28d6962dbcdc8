package main_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
)

func runBinary(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helpdesk %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestCommands drives the subcommands: help, version, migrate with
// --dry-run and --status, create-admin, then serve with that account.
func TestCommands(t *testing.T) {
	env := databaseEnv(t, dialect.SQLite)
	if out := runBinary(t, env, "--help"); !strings.Contains(out, "create-admin") || !strings.Contains(out, "migrate") {
		t.Errorf("--help lists no commands:\n%s", out)
	}
	if out := runBinary(t, env, "migrate", "--help"); !strings.Contains(out, "-dry-run") || !strings.Contains(out, "-status") ||
		!strings.Contains(out, "HELPDESK_SQLITE_PATH") || !strings.Contains(out, "-database-url") ||
		strings.Contains(out, "-addr") || strings.Contains(out, "-token-key") || strings.Contains(out, "-cors-origins") {
		t.Errorf("migrate --help: want its own flags and the database's only:\n%s", out)
	}
	if out, err := exec.Command(binary, "migrate", "-addr", ":1").CombinedOutput(); err == nil {
		t.Errorf("migrate -addr was accepted:\n%s", out)
	}
	if out := runBinary(t, env, "version"); !strings.HasPrefix(out, "helpdesk ") {
		t.Errorf("version: %q", out)
	}
	if out := runBinary(t, env, "migrate", "--dry-run"); !strings.Contains(out, "CREATE TABLE") {
		t.Errorf("migrate --dry-run printed no SQL:\n%.500s", out)
	}
	if out := runBinary(t, env, "migrate", "--status"); !strings.Contains(out, "pending ") || strings.Contains(out, "applied ") {
		t.Errorf("status before migrating:\n%s", out)
	}
	runBinary(t, env, "migrate")
	if out := runBinary(t, env, "migrate", "--status"); strings.Contains(out, "pending ") || !strings.Contains(out, "applied ") {
		t.Errorf("status after migrating:\n%s", out)
	}
	runBinary(t, append(env, "HELPDESK_ADMIN_PASSWORD=boss-password"), "create-admin", "--email", "boss@example.com", "--name", "Boss")
	if _, err := exec.Command(binary, "bogus").CombinedOutput(); err == nil {
		t.Error("an unknown command succeeded")
	}

	p := start(t, append(env, "HELPDESK_DEMO=false")...)
	boss := login(t, p.client(), "boss@example.com", "boss-password")
	var me struct{ Viewer struct{ Name, Role string } }
	boss.Must(t, `{ viewer { name role } }`, nil, &me)
	if me.Viewer.Name != "Boss" || me.Viewer.Role != "ADMIN" {
		t.Fatalf("viewer = %+v", me.Viewer)
	}
	p.stop(t)
}
