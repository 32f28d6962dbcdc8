package catalog

import (
	"context"
	"database/sql"
	"fmt"

	"helpdesk/ent"
	"helpdesk/ent/category"
	"helpdesk/ent/predicate"
	"helpdesk/ent/schematype"
	"helpdesk/ent/slapolicy"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
	"helpdesk/internal/store"
)

// MaxCategoryDepth is the deepest level a category may have.
const MaxCategoryDepth = 3

// ErrCategoryTooDeep is returned for a category below a level-3 category.
var ErrCategoryTooDeep = &apperr.Error{
	Code:    apperr.CodeBadUserInput,
	Field:   "input.parentID",
	Message: fmt.Sprintf("categories are at most %d levels deep; the parent is already at level %d", MaxCategoryDepth, MaxCategoryDepth),
}

// ChildLevel returns the level of a new category under a parent at
// parentLevel (0 for a root category), or ErrCategoryTooDeep.
func ChildLevel(parentLevel int) (int, error) {
	if parentLevel >= MaxCategoryDepth {
		return 0, ErrCategoryTooDeep
	}
	return parentLevel + 1, nil
}

// CreateCategoryInput is a new category.
type CreateCategoryInput struct {
	Name            string
	Description     *string
	ParentID        *gid.ID
	DefaultTeamID   *gid.ID
	DefaultPriority *schematype.Priority
	SLAPolicyID     *gid.ID
}

// UpdateCategoryInput lists the fields to change; nil means unchanged.
type UpdateCategoryInput struct {
	Name                 *string
	Description          *string
	DefaultTeamID        *gid.ID
	ClearDefaultTeam     *bool
	DefaultPriority      *schematype.Priority
	ClearDefaultPriority *bool
	SLAPolicyID          *gid.ID
	ClearSLAPolicy       *bool
}

// CreateCategory adds a category under a parent (or at the root). A
// fourth level is refused with ErrCategoryTooDeep; names are unique among
// siblings.
func (s *Service) CreateCategory(ctx context.Context, in CreateCategoryInput) (*ent.Category, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	name, err := input.Text("input.name", in.Name, 200)
	if err != nil {
		return nil, err
	}
	if in.DefaultPriority != nil && !in.DefaultPriority.Valid() {
		return nil, apperr.Invalid("input.defaultPriority", "%q is not a valid priority", *in.DefaultPriority)
	}
	var created *ent.Category
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		parentLevel := 0
		if in.ParentID != nil {
			parent, err := tx.Category.Get(ctx, *in.ParentID)
			if ent.IsNotFound(err) {
				return apperr.Invalid("input.parentID", "no category with this id")
			}
			if err != nil {
				return fmt.Errorf("loading parent category: %w", err)
			}
			parentLevel = parent.Level
		}
		level, err := ChildLevel(parentLevel)
		if err != nil {
			return err
		}
		if err := siblingNameFree(ctx, tx, in.ParentID, "", name); err != nil {
			return err
		}
		if err := checkRefs(ctx, tx, in.DefaultTeamID, in.SLAPolicyID); err != nil {
			return err
		}
		now := s.Now().UTC()
		created, err = tx.Category.Create().
			SetName(name).
			SetDescription(derefString(in.Description)).
			SetLevel(level).
			SetNillableParentID(in.ParentID).
			SetNillableDefaultTeamID(in.DefaultTeamID).
			SetNillableDefaultPriority(in.DefaultPriority).
			SetNillableSLAPolicyID(in.SLAPolicyID).
			SetCreatedAt(now).SetUpdatedAt(now).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("creating category: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created.Unwrap(), nil
}

// UpdateCategory changes a category's name and defaults; its place in the
// tree is fixed. A change of its SLA policy has the open tickets' policies
// chosen again (see SLAChoiceChanged).
func (s *Service) UpdateCategory(ctx context.Context, id gid.ID, in UpdateCategoryInput) (*ent.Category, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	var updated *ent.Category
	err := store.Transact(ctx, s.Client, func(tx *ent.Tx, sqlTx *sql.Tx) error {
		c, err := tx.Category.Get(ctx, id)
		if ent.IsNotFound(err) {
			return apperr.NotFound("no category with id %q", id)
		}
		if err != nil {
			return fmt.Errorf("loading category: %w", err)
		}
		upd := tx.Category.UpdateOne(c).SetUpdatedAt(s.Now().UTC())
		if in.Name != nil {
			name, err := input.Text("input.name", *in.Name, 200)
			if err != nil {
				return err
			}
			if err := siblingNameFree(ctx, tx, c.ParentID, id, name); err != nil {
				return err
			}
			upd.SetName(name)
		}
		if in.Description != nil {
			upd.SetDescription(*in.Description)
		}
		if err := checkRefs(ctx, tx, in.DefaultTeamID, in.SLAPolicyID); err != nil {
			return err
		}
		switch {
		case in.DefaultTeamID != nil:
			upd.SetDefaultTeamID(*in.DefaultTeamID)
		case isTrue(in.ClearDefaultTeam):
			upd.ClearDefaultTeam()
		}
		switch {
		case in.DefaultPriority != nil:
			if !in.DefaultPriority.Valid() {
				return apperr.Invalid("input.defaultPriority", "%q is not a valid priority", *in.DefaultPriority)
			}
			upd.SetDefaultPriority(*in.DefaultPriority)
		case isTrue(in.ClearDefaultPriority):
			upd.ClearDefaultPriority()
		}
		switch {
		case in.SLAPolicyID != nil:
			upd.SetSLAPolicyID(*in.SLAPolicyID)
		case isTrue(in.ClearSLAPolicy):
			upd.ClearSLAPolicy()
		}
		updated, err = upd.Save(ctx)
		if err != nil {
			return fmt.Errorf("updating category: %w", err)
		}
		if in.SLAPolicyID != nil || isTrue(in.ClearSLAPolicy) {
			// The category's policy is the fallback of its subtree's tickets.
			return s.slaChoiceChanged(ctx, tx, sqlTx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return updated.Unwrap(), nil
}

// InSubtree matches tickets whose category is the given one or any
// category below it. The tree is at most three levels deep, so two levels
// of parent lookups reach every descendant; it runs as one SQL predicate.
func InSubtree(id gid.ID) predicate.Ticket {
	return ticket.HasCategoryWith(category.Or(
		category.ID(id),
		category.ParentID(id),
		category.HasParentWith(category.ParentID(id)),
	))
}

func siblingNameFree(ctx context.Context, tx *ent.Tx, parent *gid.ID, self gid.ID, name string) error {
	q := tx.Category.Query().Where(category.NameEqualFold(name))
	if parent == nil {
		q = q.Where(category.ParentIDIsNil())
	} else {
		q = q.Where(category.ParentID(*parent))
	}
	if self != "" {
		q = q.Where(category.IDNEQ(self))
	}
	taken, err := q.Exist(ctx)
	if err != nil {
		return fmt.Errorf("checking category name: %w", err)
	}
	if taken {
		return apperr.Conflict("a category named %q already exists at this place in the tree", name)
	}
	return nil
}

func checkRefs(ctx context.Context, tx *ent.Tx, teamID, slaID *gid.ID) error {
	if teamID != nil {
		ok, err := tx.Team.Query().Where(team.ID(*teamID)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("checking team: %w", err)
		}
		if !ok {
			return apperr.Invalid("input.defaultTeamID", "no team with this id")
		}
	}
	if slaID != nil {
		ok, err := tx.SLAPolicy.Query().Where(slapolicy.ID(*slaID)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("checking SLA policy: %w", err)
		}
		if !ok {
			return apperr.Invalid("input.slaPolicyID", "no SLA policy with this id")
		}
	}
	return nil
}

func isTrue(b *bool) bool { return b != nil && *b }

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
