// Package search finds tickets and customers by what people remember of
// them: a ticket number, words of a title, a description, a comment, or a
// customer's name, email or phone — in any language, ignoring case and
// accents, so `khieu nai` finds `khiếu nại` and a few Thai words find the
// sentence they appear in (Thai has no spaces between words).
//
// Every searchable text is kept in one table, search_documents, one row
// per text (a ticket's title, its description, each comment, each field of
// a customer), written by ent hooks in the same transaction as the change
// (Install). Matching is by substring of the folded text, so it needs no
// word boundaries: on PostgreSQL `unaccent` folds and a pg_trgm GIN index
// serves `LIKE '%…%'`; on SQLite the text is folded here (Fold) and an FTS5
// table with the trigram tokenizer serves the same LIKE.
package search

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"helpdesk/internal/apperr"
)

// MaxQueryLength bounds a search text, in characters.
const MaxQueryLength = 200

// maxTerms bounds the words of one search; each is one index lookup.
const maxTerms = 8

// MinWordLength is the length, in characters, of the shortest word the
// index can look up: trigram indexes hold pieces of three characters. A
// shorter word is only checked on the tickets that the longer words of
// the same search find, or names a ticket by its number.
const MinWordLength = 3

// Query is a parsed search: the words to find, folded as the index is.
type Query struct {
	// Terms must each be found in a ticket (or customer); folded with
	// Fold, without LIKE wildcards.
	Terms []string
	// Number is the ticket number the query names when it is a single
	// number (`1042` or `#1042`), else 0.
	Number int
}

// long reports whether the i-th term is long enough for the index.
func (q Query) long(i int) bool {
	return utf8.RuneCountInString(q.Terms[i]) >= MinWordLength
}

// indexed reports whether some term is long enough for the index.
func (q Query) indexed() bool {
	for i := range q.Terms {
		if q.long(i) {
			return true
		}
	}
	return false
}

// Parse reads a search text. Blank text, text longer than
// MaxQueryLength, text with more than maxTerms words and text whose words
// are all shorter than MinWordLength (unless it is a ticket number) are
// BAD_USER_INPUT on the field named by arg.
func Parse(arg, text string) (Query, error) {
	if !utf8.ValidString(text) {
		return Query{}, apperr.Invalid(arg, "is not valid UTF-8")
	}
	if utf8.RuneCountInString(text) > MaxQueryLength {
		return Query{}, apperr.Invalid(arg, "must be at most %d characters", MaxQueryLength)
	}
	words := strings.FieldsFunc(Fold(text), func(r rune) bool {
		// LIKE's wildcards and escape separate words: they are never
		// matched literally.
		return unicode.IsSpace(r) || r == '%' || r == '_' || r == '\\' || unicode.IsControl(r)
	})
	var q Query
	for _, w := range words {
		if n, ok := ticketNumber(w); ok && len(words) == 1 {
			q.Number = n
		}
		w = strings.TrimLeft(w, "#")
		if w == "" || containsString(q.Terms, w) {
			continue
		}
		q.Terms = append(q.Terms, w)
	}
	if len(q.Terms) == 0 {
		return Query{}, apperr.Invalid(arg, "must contain a word to look for")
	}
	if len(q.Terms) > maxTerms {
		return Query{}, apperr.Invalid(arg, "must contain at most %d words", maxTerms)
	}
	if q.Number == 0 && !q.indexed() {
		return Query{}, apperr.Invalid(arg, "must contain a word of at least %d characters or a ticket number", MinWordLength)
	}
	return q, nil
}

// ticketNumber reads `1042` or `#1042`.
func ticketNumber(w string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(w, "#"))
	if err != nil || n <= 0 || strings.HasPrefix(strings.TrimPrefix(w, "#"), "+") {
		return 0, false
	}
	return n, true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Fold lower-cases s and removes the accents of Latin letters, so that
// `Khiếu nại`, `khieu nai` and `KHIEU NAI` fold alike. The Vietnamese
// `đ` is a letter of its own in Unicode (no combining mark to remove) and
// folds to `d` explicitly. Marks of other scripts (Thai vowels and tone
// marks) are kept: they are part of the word. The index and the query are
// folded by the same function.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case r >= 0x0300 && r <= 0x036F: // combining diacritical marks
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}
