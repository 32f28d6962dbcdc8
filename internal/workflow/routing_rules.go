package workflow

import (
	"slices"
	"strings"
	"unicode"

	"helpdesk/ent/schematype"
	"helpdesk/internal/gid"
)

// Rule is one routing rule: conditions on a new ticket and what it
// decides. An empty condition matches every ticket; the conditions that
// are set must all hold, and a list condition holds when any of its
// values does.
type Rule struct {
	ID gid.ID
	// Channels: the ticket came in on one of these.
	Channels []string
	// CustomerID: the ticket is this customer's.
	CustomerID *gid.ID
	// Organization: the ticket's customer belongs to this organization
	// (compared without case).
	Organization *string
	// CategoryID: the ticket is filed in this category or below it.
	CategoryID *gid.ID
	// Tags: the ticket carries one of these tags.
	Tags []string
	// TitleWords: one of these words (or phrases) is in the title, as
	// whole words, without case.
	TitleWords []string

	// TeamID, Priority and AddTags are what a matching rule decides.
	TeamID   *gid.ID
	Priority *schematype.Priority
	AddTags  []string
}

// Ticket is what routing rules look at.
type Ticket struct {
	Channel      string
	CustomerID   *gid.ID
	Organization *string
	// CategoryPath is the ticket's category and its ancestors.
	CategoryPath []gid.ID
	Tags         []string
	Title        string
}

// FirstMatch returns the first rule, in order, that matches the ticket,
// or nil.
func FirstMatch(rules []Rule, t Ticket) *Rule {
	for i := range rules {
		if rules[i].Matches(t) {
			return &rules[i]
		}
	}
	return nil
}

// Matches reports whether every condition the rule sets holds for t.
func (r Rule) Matches(t Ticket) bool {
	if len(r.Channels) > 0 && !slices.Contains(r.Channels, t.Channel) {
		return false
	}
	if r.CustomerID != nil && (t.CustomerID == nil || *t.CustomerID != *r.CustomerID) {
		return false
	}
	if r.Organization != nil && (t.Organization == nil || !strings.EqualFold(strings.TrimSpace(*t.Organization), strings.TrimSpace(*r.Organization))) {
		return false
	}
	if r.CategoryID != nil && !slices.Contains(t.CategoryPath, *r.CategoryID) {
		return false
	}
	if len(r.Tags) > 0 && !slices.ContainsFunc(r.Tags, func(tag string) bool {
		return slices.ContainsFunc(t.Tags, func(have string) bool { return strings.EqualFold(have, tag) })
	}) {
		return false
	}
	if len(r.TitleWords) > 0 {
		title := words(t.Title)
		if !slices.ContainsFunc(r.TitleWords, func(w string) bool { return containsRun(title, words(w)) }) {
			return false
		}
	}
	return true
}

// words splits s into lower-cased words (letters and digits).
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Mn, r) })
}

// containsRun reports whether the words of want appear in have, in a row.
func containsRun(have, want []string) bool {
	if len(want) == 0 {
		return false
	}
	for i := 0; i+len(want) <= len(have); i++ {
		if slices.Equal(have[i:i+len(want)], want) {
			return true
		}
	}
	return false
}
