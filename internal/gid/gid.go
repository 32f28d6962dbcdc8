// Package gid provides the opaque global identifiers used by every entity.
//
// An ID is a short type prefix, an underscore and a ULID, e.g.
// "tkt_01JD3X9…". The prefix names the entity's table, so node(id:) resolves
// any object with one lookup; ULIDs sort by creation time, which keeps
// cursor pagination by id stable. Clients must treat ids as opaque strings.
package gid

import (
	"crypto/rand"
	"database/sql/driver"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// ID is a global identifier: "<prefix>_<ulid>".
type ID string

// entropy is shared by all generators; ulid.Monotonic makes ids created
// within the same millisecond strictly increasing in this process.
var (
	entropyMu sync.Mutex
	entropy   io.Reader = ulid.Monotonic(rand.Reader, 0)
)

// New returns a fresh ID carrying the given type prefix.
func New(prefix string) ID {
	entropyMu.Lock()
	defer entropyMu.Unlock()
	return ID(prefix + "_" + ulid.MustNew(ulid.Timestamp(time.Now()), entropy).String())
}

// Prefix returns the type prefix of the id, or "" if the id is malformed.
func (id ID) Prefix() string {
	p, rest, ok := strings.Cut(string(id), "_")
	if !ok || p == "" || len(rest) != ulid.EncodedSize {
		return ""
	}
	return p
}

// Valid reports whether the id is well formed and carries the given prefix.
func (id ID) Valid(prefix string) bool { return id.Prefix() == prefix }

// String returns the id's text.
func (id ID) String() string { return string(id) }

// Scan implements sql.Scanner.
func (id *ID) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*id = ""
	case string:
		*id = ID(v)
	case []byte:
		*id = ID(string(v))
	default:
		return fmt.Errorf("gid: cannot scan %T", src)
	}
	return nil
}

// Value implements driver.Valuer.
func (id ID) Value() (driver.Value, error) { return string(id), nil }

// UnmarshalGQL implements graphql.Unmarshaler: any string is accepted here,
// and resolvers check the prefix they expect so that a wrong id is a
// NOT_FOUND or BAD_USER_INPUT rather than a parse failure.
func (id *ID) UnmarshalGQL(v any) error {
	switch s := v.(type) {
	case string:
		*id = ID(s)
	case ID:
		*id = s
	default:
		return fmt.Errorf("an ID must be a string, got %T", v)
	}
	return nil
}

// MarshalGQL implements graphql.Marshaler.
func (id ID) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(id)))
}
