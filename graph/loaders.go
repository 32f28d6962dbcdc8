package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/category"
	"helpdesk/ent/customer"
	"helpdesk/ent/tag"
	"helpdesk/ent/team"
	"helpdesk/ent/teammembership"
	"helpdesk/internal/catalog"
	"helpdesk/internal/gid"
)

// loaders batch the lookups that field collection cannot eager-load, so
// that a page of tickets costs the same number of statements whatever its
// size. They are made per operation and never shared between viewers.
type loaders struct {
	categoryPaths *dataloadgen.Loader[gid.ID, []*ent.Category]
	members       *dataloadgen.Loader[gid.ID, []*ent.TeamMembership]
	// teams, agents, customers and tags resolve statistics' keys (and
	// categoryPaths their categories, see loadCategory); rows the viewer
	// may not read are missing (the client's scopes apply).
	teams     *dataloadgen.Loader[gid.ID, *ent.Team]
	agents    *dataloadgen.Loader[gid.ID, *ent.Agent]
	customers *dataloadgen.Loader[gid.ID, *ent.Customer]
	tags      *dataloadgen.Loader[gid.ID, *ent.Tag]

	client *ent.Client
	mu     sync.Mutex
	// pageCategories are the categories of the ticket pages and lists
	// read so far whose paths no field has asked for yet
	// (expectCategoryPaths, expectSiblingCategories); paths holds the
	// paths read for them (nil for a category missing or hidden from the
	// viewer).
	pageCategories []gid.ID
	paths          map[gid.ID][]*ent.Category
}

type loadersKey struct{}

// withLoaders installs fresh loaders for each operation.
func withLoaders(client *ent.Client) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		l := &loaders{
			client: client,
			paths:  map[gid.ID][]*ent.Category{},
			categoryPaths: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []gid.ID) (map[gid.ID][]*ent.Category, error) {
				return loadCategoryPaths(ctx, client, ids)
			}, dataloadgen.WithWait(time.Millisecond)),
			members: dataloadgen.NewMappedLoader(func(ctx context.Context, teamIDs []gid.ID) (map[gid.ID][]*ent.TeamMembership, error) {
				rows, err := client.TeamMembership.Query().
					Where(teammembership.TeamIDIn(teamIDs...)).
					WithAgent().
					Order(ent.Asc(teammembership.FieldPriority)).
					All(ctx)
				if err != nil {
					return nil, fmt.Errorf("loading team members: %w", err)
				}
				out := make(map[gid.ID][]*ent.TeamMembership, len(teamIDs))
				for _, id := range teamIDs {
					out[id] = []*ent.TeamMembership{}
				}
				for _, m := range rows {
					out[m.TeamID] = append(out[m.TeamID], m)
				}
				return out, nil
			}, dataloadgen.WithWait(time.Millisecond)),
			teams: byID(func(ctx context.Context, ids []gid.ID) ([]*ent.Team, error) {
				return client.Team.Query().Where(team.IDIn(ids...)).All(ctx)
			}, func(t *ent.Team) gid.ID { return t.ID }),
			agents: byID(func(ctx context.Context, ids []gid.ID) ([]*ent.Agent, error) {
				return client.Agent.Query().Where(agent.IDIn(ids...)).All(ctx)
			}, func(a *ent.Agent) gid.ID { return a.ID }),
			customers: byID(func(ctx context.Context, ids []gid.ID) ([]*ent.Customer, error) {
				return client.Customer.Query().Where(customer.IDIn(ids...)).All(ctx)
			}, func(c *ent.Customer) gid.ID { return c.ID }),
			tags: byID(func(ctx context.Context, ids []gid.ID) ([]*ent.Tag, error) {
				return client.Tag.Query().Where(tag.IDIn(ids...)).All(ctx)
			}, func(t *ent.Tag) gid.ID { return t.ID }),
		}
		return next(context.WithValue(ctx, loadersKey{}, l))
	}
}

// byID is a loader of rows by id, one query per batch.
func byID[T any](query func(context.Context, []gid.ID) ([]T, error), idOf func(T) gid.ID) *dataloadgen.Loader[gid.ID, T] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, ids []gid.ID) (map[gid.ID]T, error) {
		rows, err := query(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("loading %T: %w", rows, err)
		}
		out := make(map[gid.ID]T, len(rows))
		for _, r := range rows {
			out[idOf(r)] = r
		}
		return out, nil
	}, dataloadgen.WithWait(time.Millisecond))
}

// loadOptional loads the row with id (nil when id is nil, or the row is
// missing or hidden from the viewer).
func loadOptional[T any](ctx context.Context, l *dataloadgen.Loader[gid.ID, *T], id *gid.ID) (*T, error) {
	if id == nil {
		return nil, nil
	}
	v, err := l.Load(ctx, *id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

func loadersFrom(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	return l
}

// categoryPath returns a category and its ancestors, root first. The
// paths of every ticket on a page (or in the list a ticket was resolved
// in) are read together, on the goroutine of the first field to ask,
// before it returns: the page's categories were announced
// (expectCategoryPaths, expectSiblingCategories), so nothing waits for
// sibling fields and the statement count does not depend on how fields
// are scheduled. Other categories (a statistics bucket's) go through the
// loader, which batches the keys asked for within its wait.
func categoryPath(ctx context.Context, id gid.ID) ([]*ent.Category, error) {
	l := loadersFrom(ctx)
	l.mu.Lock()
	if len(l.pageCategories) > 0 {
		ids := l.pageCategories
		l.pageCategories = nil
		found, err := loadCategoryPaths(ctx, l.client, ids)
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		for _, k := range ids {
			l.paths[k] = found[k]
		}
	}
	path, known := l.paths[id]
	l.mu.Unlock()
	if !known {
		return l.categoryPaths.Load(ctx, id)
	}
	if path == nil {
		return nil, dataloadgen.ErrNotFound
	}
	return path, nil
}

// expectCategoryPaths announces the categories of a page of tickets,
// whose paths the page's fields may ask for.
func expectCategoryPaths(ctx context.Context, conn *ent.TicketConnection) {
	l := loadersFrom(ctx)
	if l == nil || conn == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range conn.Edges {
		if e.Node != nil {
			l.expect(e.Node.CategoryID)
		}
	}
}

// expectSiblingCategories announces the categories of the tickets in
// the list t was resolved in (see siblingTickets), unless t's own is
// known or announced already.
func expectSiblingCategories(ctx context.Context, t *ent.Ticket) {
	l := loadersFrom(ctx)
	if l == nil || t.CategoryID == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, known := l.paths[*t.CategoryID]; known || slices.Contains(l.pageCategories, *t.CategoryID) {
		return
	}
	for _, s := range siblingTickets(ctx, t) {
		l.expect(s.CategoryID)
	}
}

// expect adds id to the announced categories; l.mu is held.
func (l *loaders) expect(id *gid.ID) {
	if id == nil {
		return
	}
	if _, known := l.paths[*id]; known || slices.Contains(l.pageCategories, *id) {
		return
	}
	l.pageCategories = append(l.pageCategories, *id)
}

// loadCategory loads the category with id through the path loader (the
// last of its path), so that a category and the paths of others on the
// same response are read together; nil when id is nil or the category is
// missing or hidden from the viewer.
func loadCategory(ctx context.Context, id *gid.ID) (*ent.Category, error) {
	if id == nil {
		return nil, nil
	}
	path, err := categoryPath(ctx, *id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return path[len(path)-1], nil
}

// loadCategoryPaths loads the categories with the given ids and all their
// ancestors in one statement (the tree is at most catalog.MaxCategoryDepth
// levels deep, so "is one of them, or the parent or grandparent of one"
// reaches every ancestor) and returns each one's path, root first.
func loadCategoryPaths(ctx context.Context, client *ent.Client, ids []gid.ID) (map[gid.ID][]*ent.Category, error) {
	related := category.IDIn(ids...)
	for range catalog.MaxCategoryDepth - 1 {
		related = category.Or(category.IDIn(ids...), category.HasChildrenWith(related))
	}
	rows, err := client.Category.Query().Where(related).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading categories: %w", err)
	}
	byID := make(map[gid.ID]*ent.Category, len(rows))
	for _, c := range rows {
		byID[c.ID] = c
	}
	out := make(map[gid.ID][]*ent.Category, len(ids))
	for _, id := range ids {
		var path []*ent.Category
		for c := byID[id]; c != nil && len(path) < catalog.MaxCategoryDepth; {
			path = append([]*ent.Category{c}, path...)
			if c.ParentID == nil {
				break
			}
			c = byID[*c.ParentID]
		}
		if len(path) > 0 {
			out[id] = path
		}
	}
	return out, nil
}
