package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"helpdesk/ent"
	"helpdesk/ent/category"
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
}

type loadersKey struct{}

// withLoaders installs fresh loaders for each operation.
func withLoaders(client *ent.Client) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		l := &loaders{
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
		}
		return next(context.WithValue(ctx, loadersKey{}, l))
	}
}

func loadersFrom(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	return l
}

// categoryPath returns a category and its ancestors, root first. The
// paths of every ticket on a page are loaded together.
func categoryPath(ctx context.Context, id gid.ID) ([]*ent.Category, error) {
	return loadersFrom(ctx).categoryPaths.Load(ctx, id)
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
