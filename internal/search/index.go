package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"helpdesk/ent"
	"helpdesk/ent/comment"
	"helpdesk/ent/customer"
	"helpdesk/ent/hook"
	"helpdesk/ent/searchdocument"
	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// Install registers on client the hooks that keep search_documents in
// step with tickets, comments and customers. A hook writes the documents
// of the rows its mutation changed with the mutation's own client — the
// transaction of the change when there is one — so a change and its index
// entries commit or roll back together. Deletions follow the documents'
// foreign keys (ON DELETE CASCADE).
func Install(client *ent.Client) {
	client.Ticket.Use(func(next ent.Mutator) ent.Mutator {
		return hook.TicketFunc(func(ctx context.Context, m *ent.TicketMutation) (ent.Value, error) {
			title, hasTitle := m.Title()
			description, hasDescription := m.Description()
			if deferred(ctx) || !m.Op().Is(ent.OpCreate) && !hasTitle && !hasDescription {
				return next.Mutate(ctx, m)
			}
			return mutateThenIndex(ctx, next, m, m.ID, m.IDs, func(ctx context.Context, id gid.ID) error {
				if m.Op().Is(ent.OpUpdate) {
					return indexTicket(ctx, m.Client(), id)
				}
				// A create or an update of one row: the mutation holds
				// the new texts (a create has its defaults applied).
				var docs []document
				all := ticketDocuments(&ent.Ticket{ID: id, Title: title, Description: description})
				if hasTitle {
					docs = append(docs, all[0])
				}
				if hasDescription {
					docs = append(docs, all[1])
				}
				if m.Op().Is(ent.OpCreate) {
					docs = withText(docs) // a new row has no documents to remove
				}
				return write(ctx, m.Client(), docs...)
			})
		})
	})
	client.Comment.Use(func(next ent.Mutator) ent.Mutator {
		return hook.CommentFunc(func(ctx context.Context, m *ent.CommentMutation) (ent.Value, error) {
			_, body := m.Body()
			_, visibility := m.Visibility()
			if deferred(ctx) || !m.Op().Is(ent.OpCreate) && !body && !visibility {
				return next.Mutate(ctx, m)
			}
			return mutateThenIndex(ctx, next, m, m.ID, m.IDs, func(ctx context.Context, id gid.ID) error {
				b, okBody := m.Body()
				v, okVisibility := m.Visibility()
				t, okTicket := m.TicketID()
				if m.Op().Is(ent.OpCreate) && okBody && okVisibility && okTicket {
					return write(ctx, m.Client(), commentDocument(&ent.Comment{ID: id, TicketID: t, Body: b, Visibility: v}))
				}
				return indexComment(ctx, m.Client(), id)
			})
		})
	})
	client.Customer.Use(func(next ent.Mutator) ent.Mutator {
		return hook.CustomerFunc(func(ctx context.Context, m *ent.CustomerMutation) (ent.Value, error) {
			if deferred(ctx) || !m.Op().Is(ent.OpCreate) && !customerTextChanged(m) {
				return next.Mutate(ctx, m)
			}
			return mutateThenIndex(ctx, next, m, m.ID, m.IDs, func(ctx context.Context, id gid.ID) error {
				return indexCustomer(ctx, m.Client(), id)
			})
		})
	})
}

type deferredKey struct{}

// Deferred returns ctx under which the hooks of Install write nothing:
// for a batch writer that then builds the whole index at once with
// IndexAll, on the same transaction, rather than row by row as it
// writes. Until IndexAll runs, what the batch wrote cannot be found.
func Deferred(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferredKey{}, true)
}

func deferred(ctx context.Context) bool {
	d, _ := ctx.Value(deferredKey{}).(bool)
	return d
}

func customerTextChanged(m *ent.CustomerMutation) bool {
	for _, f := range []string{customer.FieldName, customer.FieldEmail, customer.FieldEmails, customer.FieldPhone, customer.FieldOrganization} {
		if _, ok := m.Field(f); ok || m.FieldCleared(f) {
			return true
		}
	}
	_, appended := m.AppendedEmails()
	return appended
}

// mutateThenIndex runs the mutation, then index on each row it changed:
// the one row of a create or an update of one, else the rows its
// predicates selected before it ran. The index reads and writes as the
// system: it records what the change wrote, whoever may read it.
func mutateThenIndex(ctx context.Context, next ent.Mutator, m ent.Mutation,
	one func() (gid.ID, bool), many func(context.Context) ([]gid.ID, error), index func(context.Context, gid.ID) error,
) (ent.Value, error) {
	sys := auth.WithViewer(ctx, auth.System)
	var ids []gid.ID
	if m.Op().Is(ent.OpUpdate) {
		var err error
		if ids, err = many(sys); err != nil {
			return nil, fmt.Errorf("listing the rows to index: %w", err)
		}
	}
	v, err := next.Mutate(ctx, m)
	if err != nil {
		return v, err
	}
	if id, ok := one(); ok && !m.Op().Is(ent.OpUpdate) {
		ids = []gid.ID{id}
	}
	for _, id := range ids {
		if err := index(sys, id); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// document is one searchable text.
type document struct {
	key, field                    string
	ticketID, commentID, customer *gid.ID
	text                          string
}

func indexTicket(ctx context.Context, c *ent.Client, id gid.ID) error {
	t, err := c.Ticket.Query().Where(ticket.ID(id)).Select(ticket.FieldTitle, ticket.FieldDescription).Only(ctx)
	if err != nil {
		return fmt.Errorf("indexing ticket %s: %w", id, err)
	}
	return write(ctx, c, ticketDocuments(t)...)
}

func ticketDocuments(t *ent.Ticket) []document {
	id := t.ID
	return []document{
		{key: string(id) + ":title", field: FieldTitle, ticketID: &id, text: t.Title},
		{key: string(id) + ":description", field: FieldDescription, ticketID: &id, text: t.Description},
	}
}

func indexComment(ctx context.Context, c *ent.Client, id gid.ID) error {
	cm, err := c.Comment.Query().Where(comment.ID(id)).
		Select(comment.FieldTicketID, comment.FieldBody, comment.FieldVisibility).Only(ctx)
	if err != nil {
		return fmt.Errorf("indexing comment %s: %w", id, err)
	}
	return write(ctx, c, commentDocument(cm))
}

func commentDocument(c *ent.Comment) document {
	id, ticketID := c.ID, c.TicketID
	field := FieldComment
	if c.Visibility != comment.VisibilityPUBLIC {
		field = FieldNote
	}
	return document{key: string(id), field: field, ticketID: &ticketID, commentID: &id, text: c.Body}
}

func indexCustomer(ctx context.Context, c *ent.Client, id gid.ID) error {
	cu, err := c.Customer.Query().Where(customer.ID(id)).
		Select(customer.FieldName, customer.FieldEmail, customer.FieldEmails, customer.FieldPhone, customer.FieldOrganization).Only(ctx)
	if err != nil {
		return fmt.Errorf("indexing customer %s: %w", id, err)
	}
	return write(ctx, c, customerDocuments(cu)...)
}

func customerDocuments(c *ent.Customer) []document {
	id := c.ID
	addresses := append([]string(nil), c.Emails...)
	if c.Email != nil && !containsString(addresses, *c.Email) {
		addresses = append([]string{*c.Email}, addresses...)
	}
	return []document{
		{key: string(id) + ":name", field: FieldName, customer: &id, text: c.Name},
		{key: string(id) + ":email", field: FieldEmail, customer: &id, text: strings.Join(addresses, " ")},
		{key: string(id) + ":phone", field: FieldPhone, customer: &id, text: phoneText(deref(c.Phone))},
		{key: string(id) + ":organization", field: FieldOrganization, customer: &id, text: deref(c.Organization)},
	}
}

// phoneText is a phone number as written plus its digits alone, so that
// `0901234567` finds `090 123 4567`.
func phoneText(phone string) string {
	digits := strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, phone)
	if digits == "" || digits == phone {
		return phone
	}
	return phone + " " + digits
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// withText drops the documents without text.
func withText(docs []document) []document {
	return slices.DeleteFunc(docs, func(d document) bool { return strings.TrimSpace(d.text) == "" })
}

// write upserts documents, folded, in one statement; an empty text
// removes its document. PostgreSQL folds the stored text once more
// through unaccent (a trigger), as it does every searched word.
func write(ctx context.Context, c *ent.Client, docs ...document) error {
	var creates []*ent.SearchDocumentCreate
	var empty []string
	for _, d := range docs {
		if strings.TrimSpace(d.text) == "" {
			empty = append(empty, d.key)
			continue
		}
		creates = append(creates, c.SearchDocument.Create().
			SetDocKey(d.key).SetField(d.field).SetFolded(Fold(d.text)).
			SetNillableTicketID(d.ticketID).SetNillableCommentID(d.commentID).SetNillableCustomerID(d.customer))
	}
	if len(empty) > 0 {
		if _, err := c.SearchDocument.Delete().Where(searchdocument.DocKeyIn(empty...)).Exec(ctx); err != nil {
			return fmt.Errorf("removing search documents: %w", err)
		}
	}
	if len(creates) > 0 {
		err := c.SearchDocument.CreateBulk(creates...).
			OnConflictColumns(searchdocument.FieldDocKey).UpdateNewValues().Exec(ctx)
		if err != nil {
			return fmt.Errorf("writing search documents: %w", err)
		}
	}
	return nil
}
