package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// envOfUsage finds the environment variable a flag's usage names at its
// end, as every shared flag's does: "… (HELPDESK_ADDR)".
var envOfUsage = regexp.MustCompile(`\(([A-Z][A-Z0-9_]*)\)$`)

// applyConfigFile sets, from the file at path, each flag that neither the
// command line nor its environment variable set: flags win over the
// environment, which wins over the file, which wins over the defaults.
//
// The file holds one "key = value" per line, the key a flag's name
// (without dashes); blank lines and lines starting with # are ignored, and
// a value may be double-quoted. A key of another command's settings (in
// all, every setting) is skipped, so that all commands can share one file;
// an unknown key is an error, so that a typo does not pass silently.
func applyConfigFile(fs, all *flag.FlagSet, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	onCommandLine := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { onCommandLine[fl.Name] = true })
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return fmt.Errorf("%s:%d: want key = value", path, n)
		}
		if strings.HasPrefix(value, `"`) {
			if value, err = strconv.Unquote(value); err != nil {
				return fmt.Errorf("%s:%d: %s: bad quoted value", path, n, key)
			}
		}
		fl := fs.Lookup(key)
		if fl == nil && all.Lookup(key) != nil && key != "config" {
			continue
		}
		if fl == nil || key == "config" {
			return fmt.Errorf("%s:%d: unknown key %q (keys are the flag names, see --help)", path, n, key)
		}
		if onCommandLine[key] {
			continue
		}
		if m := envOfUsage.FindStringSubmatch(fl.Usage); m != nil {
			if _, set := os.LookupEnv(m[1]); set {
				continue
			}
		}
		if err := fs.Set(key, value); err != nil {
			// The value is not echoed: it may be a secret.
			return fmt.Errorf("%s:%d: %s: %w", path, n, key, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	return nil
}
