package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"helpdesk/ent"
	"helpdesk/ent/setting"
)

// MinSigningKeyLength is the shortest token-signing key accepted, in
// bytes: HS256 needs 256 bits of key to be as strong as its hash.
const MinSigningKeyLength = 32

// CheckSigningKey refuses a key too short to sign tokens safely.
func CheckSigningKey(key []byte) error {
	if len(key) < MinSigningKeyLength {
		return fmt.Errorf("the token signing key has %d bytes; it needs at least %d", len(key), MinSigningKeyLength)
	}
	return nil
}

// NewSigningKey returns a random signing key (32 random bytes, as base64
// text so that it can be copied into configuration).
func NewSigningKey() []byte {
	buf := make([]byte, 32)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails.
	return []byte(base64.StdEncoding.EncodeToString(buf))
}

// SigningKeyFile returns the signing key kept in the file at path (its
// text, without surrounding white space). A missing file is created with a
// new random key, readable by its owner only; processes starting together
// agree on one key, because the file appears whole or not at all.
func SigningKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKeyFile(path); err != nil {
			return nil, err
		}
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the token signing key: %w", err)
	}
	key := bytes.TrimSpace(data)
	if err := CheckSigningKey(key); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// createKeyFile writes a new key to a temporary file and links it into
// place, which fails if another process has created the file meanwhile.
func createKeyFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-key-*")
	if err != nil {
		return fmt.Errorf("creating the token signing key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file with mode 0600.
	_, err = tmp.Write(append(NewSigningKey(), '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing the token signing key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating the token signing key file: %w", err)
	}
	return nil
}

// legacySigningKeySetting is the settings row earlier versions kept the
// signing key in, in plain text.
const legacySigningKeySetting = "token_signing_key"

// RemoveLegacySigningKey deletes the signing key earlier versions stored
// in the database, so that a copy of the database cannot be used to sign
// tokens. Tokens it signed are no longer accepted.
func RemoveLegacySigningKey(ctx context.Context, client *ent.Client) error {
	if _, err := client.Setting.Delete().Where(setting.ID(legacySigningKeySetting)).Exec(ctx); err != nil {
		return fmt.Errorf("removing the signing key stored in the database: %w", err)
	}
	return nil
}
