package auth

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestSigningKeyFileIsCreatedOnceAndPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helpdesk.db.token-key")
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := SigningKeyFile(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("processes starting together got different keys: %q and %q", keys[0], k)
		}
	}
	if err := CheckSigningKey(keys[0]); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("key file mode %v, want 0600", mode)
	}
	again, err := SigningKeyFile(path)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("reading the key again = %q, %v; want %q", again, err, keys[0])
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("%d files beside the key, want none (temporary files removed)", len(entries)-1)
	}
}

func TestShortSigningKeysAreRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := SigningKeyFile(path); err == nil {
		t.Fatal("a 6-byte key was accepted")
	}
	if err := CheckSigningKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatalf("a 32-byte key was refused: %v", err)
	}
}
