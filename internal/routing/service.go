// Package routing keeps the routing rules administrators write: ordered
// conditions on new tickets (channel, customer, organization, category
// subtree, tags, title words) that decide their team, priority and tags.
// The first matching rule wins (workflow.FirstMatch); ticketing applies
// them when a ticket is created, and again when its category changes
// while it is unassigned.
package routing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/category"
	"helpdesk/ent/customer"
	"helpdesk/ent/routingrule"
	"helpdesk/ent/schematype"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
	"helpdesk/internal/store"
)

// MaxRules bounds how many rules exist (each new ticket tries them all).
const MaxRules = 200

const maxListItems = 50

// Service changes and lists routing rules.
type Service struct {
	Client *ent.Client
	Now    func() time.Time
	Authz  *authz.Enforcer
}

// RuleInput is a rule's whole definition; an update replaces it all.
type RuleInput struct {
	Name string
	// Position is where the rule goes (1 is tried first); default last.
	Position     *int
	Active       *bool
	Channels     []ticket.Channel
	CustomerID   *gid.ID
	Organization *string
	CategoryID   *gid.ID
	Tags         []string
	TitleWords   []string
	TeamID       *gid.ID
	Priority     *schematype.Priority
	AddTags      []string
}

// Rules lists the rules in the order they are tried.
func (s *Service) Rules(ctx context.Context) ([]*ent.RoutingRule, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActRead, authz.ObjConfig); err != nil {
		return nil, err
	}
	rules, err := s.Client.RoutingRule.Query().
		Order(ent.Asc(routingrule.FieldPosition), ent.Asc(routingrule.FieldCreatedAt)).
		Limit(MaxRules).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing routing rules: %w", err)
	}
	return rules, nil
}

// CreateRule adds a rule at its position; the rules from there on move
// down one.
func (s *Service) CreateRule(ctx context.Context, in RuleInput) (*ent.RoutingRule, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	var created *ent.RoutingRule
	err := store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		rules, err := ordered(ctx, tx)
		if err != nil {
			return err
		}
		if len(rules) >= MaxRules {
			return apperr.Invalid("input", "there may be at most %d routing rules", MaxRules)
		}
		now := s.Now().UTC()
		c := tx.RoutingRule.Create().SetPosition(len(rules) + 1).SetCreatedAt(now).SetUpdatedAt(now)
		if err := apply(ctx, tx, in, c.Mutation()); err != nil {
			return err
		}
		if created, err = c.Save(ctx); err != nil {
			return fmt.Errorf("creating routing rule: %w", err)
		}
		return place(ctx, tx, append(rules, created), created, in.Position)
	})
	if err != nil {
		return nil, err
	}
	return s.Client.RoutingRule.Get(ctx, created.ID)
}

// UpdateRule replaces a rule's definition (and moves it when Position is
// given).
func (s *Service) UpdateRule(ctx context.Context, id gid.ID, in RuleInput) (*ent.RoutingRule, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	err := store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		rules, err := ordered(ctx, tx)
		if err != nil {
			return err
		}
		var rule *ent.RoutingRule
		for _, r := range rules {
			if r.ID == id {
				rule = r
			}
		}
		if rule == nil {
			return apperr.NotFound("no routing rule with id %q", id)
		}
		u := tx.RoutingRule.UpdateOneID(id).SetUpdatedAt(s.Now().UTC())
		if err := apply(ctx, tx, in, u.Mutation()); err != nil {
			return err
		}
		// What the new definition leaves out is no longer a condition.
		m := u.Mutation()
		if _, ok := m.CustomerID(); !ok {
			u.ClearCustomerID()
		}
		if _, ok := m.Organization(); !ok {
			u.ClearOrganization()
		}
		if _, ok := m.CategoryID(); !ok {
			u.ClearCategoryID()
		}
		if _, ok := m.TeamID(); !ok {
			u.ClearTeamID()
		}
		if _, ok := m.Priority(); !ok {
			u.ClearPriority()
		}
		if err := u.Exec(ctx); err != nil {
			return fmt.Errorf("updating routing rule: %w", err)
		}
		return place(ctx, tx, rules, rule, in.Position)
	})
	if err != nil {
		return nil, err
	}
	return s.Client.RoutingRule.Get(ctx, id)
}

// DeleteRule removes a rule; the rules after it move up.
func (s *Service) DeleteRule(ctx context.Context, id gid.ID) (gid.ID, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return "", err
	}
	err := store.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		rules, err := ordered(ctx, tx)
		if err != nil {
			return err
		}
		var rest []*ent.RoutingRule
		found := false
		for _, r := range rules {
			if r.ID == id {
				found = true
				continue
			}
			rest = append(rest, r)
		}
		if !found {
			return apperr.NotFound("no routing rule with id %q", id)
		}
		if err := tx.RoutingRule.DeleteOneID(id).Exec(ctx); err != nil {
			return fmt.Errorf("deleting routing rule: %w", err)
		}
		return renumber(ctx, tx, rest)
	})
	return id, err
}

// apply checks the input and sets it on the mutation.
func apply(ctx context.Context, tx *ent.Tx, in RuleInput, m *ent.RoutingRuleMutation) error {
	name, err := input.Text("input.name", in.Name, 200)
	if err != nil {
		return err
	}
	m.SetName(name)
	if in.Active != nil {
		m.SetActive(*in.Active)
	}
	channels := make([]string, 0, len(in.Channels))
	for _, c := range in.Channels {
		if err := ticket.ChannelValidator(c); err != nil {
			return apperr.Invalid("input.channels", "%q is not a valid channel", c)
		}
		channels = append(channels, string(c))
	}
	m.SetChannels(channels)
	if in.CustomerID != nil {
		if err := exists(tx.Customer.Query().Where(customer.ID(*in.CustomerID)).Exist(ctx)); err != nil {
			return bad("input.customerID", "customer", err)
		}
		m.SetCustomerID(*in.CustomerID)
	}
	if in.Organization != nil {
		org, err := input.OptionalText("input.organization", *in.Organization, 200)
		if err != nil {
			return err
		}
		if org != nil {
			m.SetOrganization(*org)
		}
	}
	if in.CategoryID != nil {
		if err := exists(tx.Category.Query().Where(category.ID(*in.CategoryID)).Exist(ctx)); err != nil {
			return bad("input.categoryID", "category", err)
		}
		m.SetCategoryID(*in.CategoryID)
	}
	if in.TeamID != nil {
		if err := exists(tx.Team.Query().Where(team.ID(*in.TeamID)).Exist(ctx)); err != nil {
			return bad("input.teamID", "team", err)
		}
		m.SetTeamID(*in.TeamID)
	}
	if in.Priority != nil {
		if !in.Priority.Valid() {
			return apperr.Invalid("input.priority", "%q is not a valid priority", *in.Priority)
		}
		m.SetPriority(*in.Priority)
	}
	for _, l := range []struct {
		field string
		in    []string
		set   func([]string)
	}{
		{"input.tags", in.Tags, m.SetTags},
		{"input.titleWords", in.TitleWords, m.SetTitleWords},
		{"input.addTags", in.AddTags, m.SetAddTags},
	} {
		if err := input.Items(l.field, len(l.in), maxListItems); err != nil {
			return err
		}
		out := make([]string, 0, len(l.in))
		for _, v := range l.in {
			text, err := input.Text(l.field, v, 100)
			if err != nil {
				return err
			}
			out = append(out, strings.ToLower(text))
		}
		l.set(out)
	}
	if in.TeamID == nil && in.Priority == nil && len(in.AddTags) == 0 {
		return apperr.Invalid("input.teamID", "a rule must decide something: a team, a priority or tags to add")
	}
	return nil
}

func exists(ok bool, err error) error {
	if err != nil {
		return err
	}
	if !ok {
		return errMissing
	}
	return nil
}

var errMissing = fmt.Errorf("missing")

func bad(field, what string, err error) error {
	if err == errMissing {
		return apperr.Invalid(field, "no %s with this id", what)
	}
	return fmt.Errorf("checking %s: %w", what, err)
}

func ordered(ctx context.Context, tx *ent.Tx) ([]*ent.RoutingRule, error) {
	rules, err := tx.RoutingRule.Query().
		Order(ent.Asc(routingrule.FieldPosition), ent.Asc(routingrule.FieldCreatedAt)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading routing rules: %w", err)
	}
	return rules, nil
}

// place moves rule (one of rules) to position (1…n; nil keeps it where it
// is) and renumbers the rules 1…n.
func place(ctx context.Context, tx *ent.Tx, rules []*ent.RoutingRule, rule *ent.RoutingRule, position *int) error {
	if position == nil {
		return renumber(ctx, tx, rules)
	}
	if *position < 1 {
		return apperr.Invalid("input.position", "must be 1 or more")
	}
	var rest []*ent.RoutingRule
	for _, r := range rules {
		if r.ID != rule.ID {
			rest = append(rest, r)
		}
	}
	pos := min(*position, len(rest)+1)
	order := append(append(append([]*ent.RoutingRule{}, rest[:pos-1]...), rule), rest[pos-1:]...)
	return renumber(ctx, tx, order)
}

func renumber(ctx context.Context, tx *ent.Tx, order []*ent.RoutingRule) error {
	for i, r := range order {
		if r.Position == i+1 {
			continue
		}
		if err := tx.RoutingRule.UpdateOneID(r.ID).SetPosition(i + 1).Exec(ctx); err != nil {
			return fmt.Errorf("reordering routing rules: %w", err)
		}
	}
	return nil
}
