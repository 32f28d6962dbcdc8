package authz

import (
	"context"
	"fmt"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"helpdesk/ent"
	"helpdesk/ent/authzrule"
	"helpdesk/ent/predicate"
	"helpdesk/internal/store"
)

// Adapter stores Casbin rules in the authz_rules table through ent.
type Adapter struct {
	Client *ent.Client
}

var _ persist.Adapter = (*Adapter)(nil)

// LoadPolicy loads every stored rule into m.
func (a *Adapter) LoadPolicy(m model.Model) error {
	rules, err := a.Client.AuthzRule.Query().Order(ent.Asc(authzrule.FieldID)).All(context.Background())
	if err != nil {
		return fmt.Errorf("loading authorization rules: %w", err)
	}
	for _, r := range rules {
		if err := persist.LoadPolicyArray(ruleArray(r), m); err != nil {
			return fmt.Errorf("loading authorization rule %d: %w", r.ID, err)
		}
	}
	return nil
}

// SavePolicy replaces every stored rule with the rules in m, in one
// transaction.
func (a *Adapter) SavePolicy(m model.Model) error {
	ctx := context.Background()
	return store.WithTx(ctx, a.Client, func(tx *ent.Tx) error {
		if _, err := tx.AuthzRule.Delete().Exec(ctx); err != nil {
			return fmt.Errorf("clearing authorization rules: %w", err)
		}
		for _, sec := range []string{"p", "g"} {
			for ptype, ast := range m[sec] {
				for _, rule := range ast.Policy {
					if err := create(ctx, tx.Client(), ptype, rule); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// AddPolicy stores one rule.
func (a *Adapter) AddPolicy(_ string, ptype string, rule []string) error {
	return create(context.Background(), a.Client, ptype, rule)
}

// RemovePolicy deletes one rule.
func (a *Adapter) RemovePolicy(_ string, ptype string, rule []string) error {
	return a.removeWhere(ptype, 0, rule)
}

// RemoveFilteredPolicy deletes the rules whose fields from fieldIndex on
// equal the non-empty fieldValues.
func (a *Adapter) RemoveFilteredPolicy(_ string, ptype string, fieldIndex int, fieldValues ...string) error {
	return a.removeWhere(ptype, fieldIndex, fieldValues)
}

func (a *Adapter) removeWhere(ptype string, fieldIndex int, values []string) error {
	if fieldIndex < 0 || fieldIndex+len(values) > 6 {
		return fmt.Errorf("authorization rule filter out of range: index %d, %d values", fieldIndex, len(values))
	}
	where := []predicate.AuthzRule{authzrule.Ptype(ptype)}
	for i, v := range values {
		if v == "" {
			continue
		}
		where = append(where, columnEquals(fieldIndex+i, v))
	}
	if _, err := a.Client.AuthzRule.Delete().Where(where...).Exec(context.Background()); err != nil {
		return fmt.Errorf("removing authorization rules: %w", err)
	}
	return nil
}

func columnEquals(i int, v string) predicate.AuthzRule {
	switch i {
	case 0:
		return authzrule.V0(v)
	case 1:
		return authzrule.V1(v)
	case 2:
		return authzrule.V2(v)
	case 3:
		return authzrule.V3(v)
	case 4:
		return authzrule.V4(v)
	default:
		return authzrule.V5(v)
	}
}

func create(ctx context.Context, client *ent.Client, ptype string, rule []string) error {
	if len(rule) > 6 {
		return fmt.Errorf("authorization rule has %d fields; at most 6 are stored", len(rule))
	}
	v := make([]string, 6)
	copy(v, rule)
	err := client.AuthzRule.Create().SetPtype(ptype).
		SetV0(v[0]).SetV1(v[1]).SetV2(v[2]).SetV3(v[3]).SetV4(v[4]).SetV5(v[5]).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("storing authorization rule: %w", err)
	}
	return nil
}

// ruleArray is the rule as Casbin reads it: the type, then the fields up
// to the last non-empty one.
func ruleArray(r *ent.AuthzRule) []string {
	v := []string{r.Ptype, r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
	n := len(v)
	for n > 1 && v[n-1] == "" {
		n--
	}
	return v[:n]
}

var _ persist.BatchAdapter = (*Adapter)(nil)

// AddPolicies stores several rules in one transaction.
func (a *Adapter) AddPolicies(_ string, ptype string, rules [][]string) error {
	ctx := context.Background()
	return store.WithTx(ctx, a.Client, func(tx *ent.Tx) error {
		for _, rule := range rules {
			if err := create(ctx, tx.Client(), ptype, rule); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemovePolicies deletes several rules in one transaction.
func (a *Adapter) RemovePolicies(sec string, ptype string, rules [][]string) error {
	ctx := context.Background()
	return store.WithTx(ctx, a.Client, func(tx *ent.Tx) error {
		inTx := &Adapter{Client: tx.Client()}
		for _, rule := range rules {
			if err := inTx.removeWhere(ptype, 0, rule); err != nil {
				return err
			}
		}
		return nil
	})
}
