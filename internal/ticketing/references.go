package ticketing

import (
	"context"
	"fmt"
	"slices"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/category"
	"helpdesk/ent/customer"
	"helpdesk/ent/tag"
	"helpdesk/ent/team"
	"helpdesk/internal/apperr"
	"helpdesk/internal/gid"
)

// The helpers below check that ids given in an input name existing rows,
// and report the input field when they do not.

func checkCustomer(ctx context.Context, tx *ent.Tx, field string, id gid.ID) error {
	ok, err := tx.Customer.Query().Where(customer.ID(id)).Exist(ctx)
	return existence(field, "customer", ok, err)
}

// loadCustomer reads the customer an input names.
func loadCustomer(ctx context.Context, tx *ent.Tx, field string, id gid.ID) (*ent.Customer, error) {
	c, err := tx.Customer.Query().Where(customer.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		err = nil
	}
	if err := existence(field, "customer", c != nil, err); err != nil {
		return nil, err
	}
	return c, nil
}

func checkTeam(ctx context.Context, tx *ent.Tx, field string, id gid.ID) error {
	ok, err := tx.Team.Query().Where(team.ID(id)).Exist(ctx)
	return existence(field, "team", ok, err)
}

func checkAgent(ctx context.Context, tx *ent.Tx, field string, id gid.ID) error {
	ok, err := tx.Agent.Query().Where(agent.ID(id), agent.Active(true)).Exist(ctx)
	return existence(field, "active agent", ok, err)
}

func loadCategory(ctx context.Context, tx *ent.Tx, field string, id gid.ID) (*ent.Category, error) {
	c, err := tx.Category.Query().Where(category.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid(field, "no category with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("loading category: %w", err)
	}
	return c, nil
}

func checkAgents(ctx context.Context, tx *ent.Tx, field string, ids []gid.ID) ([]gid.ID, error) {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	found, err := tx.Agent.Query().Where(agent.IDIn(ids...), agent.Active(true)).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking agents: %w", err)
	}
	for _, id := range ids {
		if !slices.Contains(found, id) {
			return nil, apperr.Invalid(field, "no active agent with id %q", id)
		}
	}
	return ids, nil
}

func existence(field, what string, ok bool, err error) error {
	if err != nil {
		return fmt.Errorf("checking %s: %w", what, err)
	}
	if !ok {
		return apperr.Invalid(field, "no %s with this id", what)
	}
	return nil
}

// ensureTags returns the ids of the tags with the given names, creating
// those that do not exist yet. Names are trimmed and lower-cased.
func ensureTags(ctx context.Context, tx *ent.Tx, field string, names []string) ([]gid.ID, error) {
	clean, err := tagNames(field, names)
	if err != nil || len(clean) == 0 {
		return nil, err
	}
	// Most tags exist already: one statement finds them.
	existing, err := tx.Tag.Query().Where(tag.NameIn(clean...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading tags: %w", err)
	}
	ids := make([]gid.ID, 0, len(clean))
	var missing []string
	for _, n := range clean {
		if i := slices.IndexFunc(existing, func(t *ent.Tag) bool { return t.Name == n }); i >= 0 {
			ids = append(ids, existing[i].ID)
		} else {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return ids, nil
	}
	// One statement for the new names; DO NOTHING leaves a tag another
	// transaction created meanwhile unlocked (an upsert would hold it
	// until the transaction ends, queueing every other ticket being
	// tagged alike behind this one).
	creates := make([]*ent.TagCreate, len(missing))
	for i, n := range missing {
		creates[i] = tx.Tag.Create().SetName(n)
	}
	err = tx.Tag.CreateBulk(creates...).OnConflict(entsql.ConflictColumns(tag.FieldName), entsql.DoNothing()).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating tags %q: %w", missing, err)
	}
	created, err := tx.Tag.Query().Where(tag.NameIn(missing...)).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading tags: %w", err)
	}
	return append(ids, created...), nil
}

func tagNames(field string, names []string) ([]string, error) {
	var clean []string
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			return nil, apperr.Invalid(field, "tag names must not be empty")
		}
		if len([]rune(n)) > 100 {
			return nil, apperr.Invalid(field, "tag names must be at most 100 characters")
		}
		if !slices.Contains(clean, n) {
			clean = append(clean, n)
		}
	}
	return clean, nil
}

func dedupe(ids []gid.ID) []gid.ID {
	var out []gid.ID
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
