package authz

import (
	"context"
	"fmt"
	"strconv"

	"github.com/casbin/casbin/v2"

	"helpdesk/ent"
	"helpdesk/ent/setting"
)

const policyVersionSetting = "authz_policy_version"

// installDefaults installs the default policy into an empty rule table, or
// the default rules added since the stored policy version, and records the
// version. Rules an administrator removed before are not restored unless
// they belong to a newer version.
func installDefaults(ctx context.Context, client *ent.Client, e *casbin.SyncedEnforcer) error {
	version := 0
	if s, err := client.Setting.Get(ctx, policyVersionSetting); err == nil {
		version, _ = strconv.Atoi(s.Value)
	} else if !ent.IsNotFound(err) {
		return fmt.Errorf("reading the policy version: %w", err)
	}
	rules, err := e.GetPolicy()
	if err != nil {
		return fmt.Errorf("reading authorization policy: %w", err)
	}
	var add [][]string
	switch {
	case len(rules) == 0:
		add = DefaultPolicy
	case version == 0:
		version = 1 // installed before versions were recorded
		fallthrough
	default:
		for v := version + 1; v <= DefaultPolicyVersion; v++ {
			add = append(add, defaultPolicyAdditions[v]...)
		}
	}
	for _, rule := range add {
		has, err := e.HasPolicy(rule)
		if err != nil {
			return fmt.Errorf("reading authorization policy: %w", err)
		}
		if has {
			continue
		}
		if _, err := e.AddPolicy(rule); err != nil {
			return fmt.Errorf("installing default authorization rules: %w", err)
		}
	}
	err = client.Setting.Create().SetID(policyVersionSetting).SetValue(strconv.Itoa(DefaultPolicyVersion)).
		OnConflictColumns(setting.FieldID).UpdateNewValues().Exec(ctx)
	if err != nil {
		return fmt.Errorf("recording the policy version: %w", err)
	}
	return nil
}
