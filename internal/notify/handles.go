package notify

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// An agent's handle is the local part of their email address, lower-cased:
// ana.lima@example.com is @ana.lima. Emails are stored lower-cased, so a
// handle matches the agents whose email starts with "<handle>@".

// handlePattern finds @handle at the start of the text or after a
// character that cannot be part of an email address, so that the domain
// of an address written in a comment is not read as a mention.
var handlePattern = regexp.MustCompile(`(?:^|[^\w.+@-])@([A-Za-z0-9][A-Za-z0-9._+-]*)`)

// maxHandles bounds the distinct handles one comment may mention.
const maxHandles = 50

// Handle returns the handle of the agent with this email.
func Handle(email string) string {
	local, _, _ := strings.Cut(email, "@")
	return strings.ToLower(local)
}

// Handles returns the distinct handles mentioned in a text, lower-cased,
// in order of first appearance. A sentence's final period is not part of
// the handle.
func Handles(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range handlePattern.FindAllStringSubmatch(text, -1) {
		h := strings.ToLower(strings.TrimRight(m[1], "._-+"))
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, h)
	}
	return out
}

// ResolveHandles returns the ids of the active agents the handles in text
// name. A handle that names no active agent is plain text and ignored; one
// that names several agents (same local part, different domains) is
// refused, with field naming the input, since the mention would be a
// guess.
func ResolveHandles(ctx context.Context, client *ent.Client, field, text string) ([]gid.ID, error) {
	handles := Handles(text)
	if len(handles) == 0 {
		return nil, nil
	}
	if len(handles) > maxHandles {
		return nil, apperr.Invalid(field, "mentions %d agents; at most %d per comment", len(handles), maxHandles)
	}
	ctx = auth.WithViewer(ctx, auth.System)
	var ids []gid.ID
	for _, h := range handles {
		found, err := client.Agent.Query().Where(agent.EmailHasPrefix(h+"@"), agent.Active(true)).IDs(ctx)
		if err != nil {
			return nil, fmt.Errorf("resolving @%s: %w", h, err)
		}
		switch len(found) {
		case 0:
		case 1:
			ids = append(ids, found[0])
		default:
			return nil, apperr.Invalid(field, "@%s names more than one agent; mention them with mentionIDs", h)
		}
	}
	return ids, nil
}
