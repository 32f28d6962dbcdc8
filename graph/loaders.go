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
	categories *dataloadgen.Loader[gid.ID, *ent.Category]
	members    *dataloadgen.Loader[gid.ID, []*ent.TeamMembership]
}

type loadersKey struct{}

// withLoaders installs fresh loaders for each operation.
func withLoaders(client *ent.Client) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		l := &loaders{
			categories: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []gid.ID) (map[gid.ID]*ent.Category, error) {
				rows, err := client.Category.Query().Where(category.IDIn(ids...)).All(ctx)
				if err != nil {
					return nil, fmt.Errorf("loading categories: %w", err)
				}
				out := make(map[gid.ID]*ent.Category, len(rows))
				for _, c := range rows {
					out[c.ID] = c
				}
				return out, nil
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

// categoryPath returns a category and its ancestors, root first, one
// batched lookup per level.
func categoryPath(ctx context.Context, id gid.ID) ([]*ent.Category, error) {
	l := loadersFrom(ctx)
	var path []*ent.Category
	next := &id
	for next != nil && len(path) < catalog.MaxCategoryDepth {
		c, err := l.categories.Load(ctx, *next)
		if err != nil {
			return nil, err
		}
		path = append([]*ent.Category{c}, path...)
		next = c.ParentID
	}
	return path, nil
}
