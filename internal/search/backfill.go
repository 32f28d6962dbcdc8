package search

import (
	"context"
	"fmt"

	"helpdesk/ent"
	"helpdesk/ent/comment"
	"helpdesk/ent/customer"
	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// backfillBatch is how many rows one backfill transaction indexes.
const backfillBatch = 500

// Backfill indexes every ticket, comment and customer when the index is
// empty while they are not: a database written before search existed.
// Afterwards the hooks of Install keep the index current. It costs two
// small queries when there is nothing to do.
func Backfill(ctx context.Context, client *ent.Client) error {
	ctx = auth.WithViewer(ctx, auth.System)
	if indexed, err := client.SearchDocument.Query().Exist(ctx); err != nil || indexed {
		return err
	}
	if found, err := client.Customer.Query().Exist(ctx); err != nil || !found {
		if err != nil {
			return err
		}
		if found, err = client.Ticket.Query().Exist(ctx); err != nil || !found {
			return err
		}
	}
	return indexAll(ctx, client, func(docs []document) error {
		// One transaction per batch: a large database is not locked
		// for the whole backfill.
		tx, err := client.Tx(ctx)
		if err != nil {
			return err
		}
		if err := write(ctx, tx.Client(), docs...); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// IndexAll writes the documents of every ticket, comment and customer
// with client, replacing those already written, in batches (on the
// client's transaction, or the one ctx carries, if any): it completes
// the index after a batch written under Deferred.
func IndexAll(ctx context.Context, client *ent.Client) error {
	ctx = auth.WithViewer(ctx, auth.System)
	return indexAll(ctx, client, func(docs []document) error { return write(ctx, client, docs...) })
}

// indexAll reads every ticket, comment and customer in batches and
// hands their documents to write.
func indexAll(ctx context.Context, client *ent.Client, write func([]document) error) error {
	err := backfill(ctx, client, write, func(c *ent.Client, after gid.ID) ([]document, gid.ID, error) {
		rows, err := c.Ticket.Query().Where(ticket.IDGT(after)).Order(ticket.ByID()).Limit(backfillBatch).
			Select(ticket.FieldID, ticket.FieldTitle, ticket.FieldDescription).All(ctx)
		var docs []document
		for _, t := range rows {
			docs, after = append(docs, ticketDocuments(t)...), t.ID
		}
		return docs, after, err
	})
	if err == nil {
		err = backfill(ctx, client, write, func(c *ent.Client, after gid.ID) ([]document, gid.ID, error) {
			rows, err := c.Comment.Query().Where(comment.IDGT(after)).Order(comment.ByID()).Limit(backfillBatch).
				Select(comment.FieldID, comment.FieldTicketID, comment.FieldBody, comment.FieldVisibility).All(ctx)
			var docs []document
			for _, cm := range rows {
				docs, after = append(docs, commentDocument(cm)), cm.ID
			}
			return docs, after, err
		})
	}
	if err == nil {
		err = backfill(ctx, client, write, func(c *ent.Client, after gid.ID) ([]document, gid.ID, error) {
			rows, err := c.Customer.Query().Where(customer.IDGT(after)).Order(customer.ByID()).Limit(backfillBatch).All(ctx)
			var docs []document
			for _, cu := range rows {
				docs, after = append(docs, customerDocuments(cu)...), cu.ID
			}
			return docs, after, err
		})
	}
	if err != nil {
		return fmt.Errorf("building the search index: %w", err)
	}
	return nil
}

// backfill hands write the documents next returns, batch by batch,
// until it returns none.
func backfill(ctx context.Context, client *ent.Client, write func([]document) error,
	next func(c *ent.Client, after gid.ID) ([]document, gid.ID, error)) error {
	after := gid.ID("")
	for {
		docs, last, err := next(client, after)
		if err != nil || len(docs) == 0 && last == after {
			return err
		}
		after = last
		if err := write(docs); err != nil {
			return err
		}
	}
}
