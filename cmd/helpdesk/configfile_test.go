package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigFilePrecedence checks that a config file sets what neither a
// flag nor the environment sets, and that defaults fill the rest.
func TestConfigFilePrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helpdesk.conf")
	file := `# helpdesk settings
addr = 127.0.0.1:9999
log-level = debug
request-timeout = 5s
demo = false
cors-origins = "https://a.example.com, https://b.example.com"
`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HELPDESK_LOG_LEVEL", "warn")
	cfg, err := parseConfig("serve", []string{"-config", path, "-request-timeout", "7s"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:9999" || cfg.demo || cfg.corsOrigins != "https://a.example.com, https://b.example.com" {
		t.Errorf("file values not applied: addr %q, demo %v, cors %q", cfg.addr, cfg.demo, cfg.corsOrigins)
	}
	if cfg.logLevel != "warn" {
		t.Errorf("log level %q: the environment must win over the file", cfg.logLevel)
	}
	if cfg.requestTimeout != 7*time.Second {
		t.Errorf("request timeout %v: the flag must win over the file", cfg.requestTimeout)
	}
	if cfg.idleTimeout != 120*time.Second || cfg.sqlitePath != "helpdesk.db" {
		t.Errorf("defaults lost: idle %v, sqlite %q", cfg.idleTimeout, cfg.sqlitePath)
	}

	// Through the environment variable too.
	t.Setenv("HELPDESK_CONFIG", path)
	if cfg, err := parseConfig("serve", nil, nil); err != nil || cfg.addr != "127.0.0.1:9999" {
		t.Errorf("HELPDESK_CONFIG: addr %q, %v", cfg.addr, err)
	}
	t.Setenv("HELPDESK_CONFIG", "")

	for bad, want := range map[string]string{
		"adress = :80\n":           `unknown key "adress"`,
		"just words\n":             "want key = value",
		"request-timeout = soon\n": "request-timeout",
		"token-ttl = \"12h\n":      "bad quoted value",
		"config = other.conf\n":    "unknown key",
	} {
		p := filepath.Join(t.TempDir(), "bad.conf")
		if err := os.WriteFile(p, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := parseConfig("serve", []string{"-config", p}, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one containing %q", bad, err, want)
		}
	}
	if _, err := parseConfig("serve", []string{"-config", filepath.Join(t.TempDir(), "missing.conf")}, nil); err == nil {
		t.Error("a missing config file was accepted")
	}
}

// TestCommandSettings: migrate and create-admin take only the settings
// they use (the database, the log level, the config file) besides their
// own flags; a serve flag is refused, while a config file shared with
// serve is read for their settings and its serve keys are skipped.
func TestCommandSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helpdesk.conf")
	file := "addr = 127.0.0.1:9999\ncors-origins = https://a.example.com\nsqlite-path = /var/lib/helpdesk/shared.db\nstatement-timeout = 9s\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"migrate", "create-admin"} {
		cfg, err := parseConfig(name, []string{"-config", path, "-log-level", "debug"}, nil)
		if err != nil {
			t.Fatalf("%s with a shared config file: %v", name, err)
		}
		if cfg.sqlitePath != "/var/lib/helpdesk/shared.db" || cfg.statementTimeout != 9*time.Second || cfg.logLevel != "debug" {
			t.Errorf("%s: sqlite %q, statement timeout %v, log level %q; want the file's and the flag's",
				name, cfg.sqlitePath, cfg.statementTimeout, cfg.logLevel)
		}
		for _, args := range [][]string{{"-addr", ":1"}, {"-token-key", "x"}, {"-demo=false"}, {"-otlp-endpoint", "http://127.0.0.1:4318"}, {"stray"}} {
			if _, err := parseConfig(name, args, nil); err == nil {
				t.Errorf("%s %v was accepted; want only its own flags", name, args)
			}
		}
		bad := filepath.Join(t.TempDir(), "bad.conf")
		if err := os.WriteFile(bad, []byte("adress = :80\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := parseConfig(name, []string{"-config", bad}, nil); err == nil || !strings.Contains(err.Error(), `unknown key "adress"`) {
			t.Errorf("%s with an unknown key: %v", name, err)
		}
	}
	// serve still takes every flag.
	if cfg, err := parseConfig("serve", []string{"-addr", ":1", "-demo=false"}, nil); err != nil || cfg.addr != ":1" || cfg.demo {
		t.Errorf("serve -addr :1 -demo=false: %+v, %v", cfg.addr, err)
	}
}
