package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"helpdesk/internal/auth"
)

// signingKey returns the key that signs bearer tokens: -token-key, or the
// content of -token-key-file, or — on SQLite without either — a file
// beside the database (created on first start). The key is never stored
// in the database, so a copy of the database alone cannot sign tokens.
// PostgreSQL, usually shared by replicas, needs one of the two settings.
func signingKey(cfg config) ([]byte, error) {
	switch {
	case cfg.tokenKey != "" && cfg.tokenKeyFile != "":
		return nil, errors.New("set -token-key or -token-key-file, not both")
	case cfg.tokenKey != "":
		key := []byte(cfg.tokenKey)
		if err := auth.CheckSigningKey(key); err != nil {
			return nil, fmt.Errorf("-token-key: %w", err)
		}
		return key, nil
	case cfg.tokenKeyFile != "":
		return auth.SigningKeyFile(cfg.tokenKeyFile)
	case cfg.databaseURL == "":
		return auth.SigningKeyFile(cfg.sqlitePath + ".token-key")
	default:
		return nil, errors.New("with PostgreSQL, set -token-key or -token-key-file (the same key on every replica)")
	}
}

// parsePrefixes reads a comma-separated list of addresses and CIDR
// prefixes.
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range splitList(list) {
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", item)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func splitList(list string) []string {
	var out []string
	for _, item := range strings.Split(list, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
