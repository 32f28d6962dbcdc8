package authz

import (
	"errors"
	"fmt"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/util"
	"github.com/casbin/govaluate"
)

// condFunction is the matcher function (model.conf) that evaluates a
// policy rule's condition:
//
//	cond(p.cond, r.sub, r.role, r.dom, r.obj, r.act, p.sub, p.obj, p.act)
//
// It decides exactly as Casbin's eval(p.cond) did — same expression
// language, same names (r.obj.Assigned, r.dom, p.act, …), the built-in
// functions and g — but parses each distinct condition once instead of on
// every evaluation. A matcher without eval( is also parsed once by Casbin
// itself, until the policy changes.
const condFunction = "cond"

// condNames are the parameters a condition reads, in the order cond
// receives them: the condition itself, the request tokens, then the other
// policy tokens of model.conf, as util.EscapeAssertion names them.
var condNames = [...]string{"p_cond", "r_sub", "r_role", "r_dom", "r_obj", "r_act", "p_sub", "p_obj", "p_act"}

// conditions compiles policy conditions once per distinct text.
type conditions struct {
	e *casbin.SyncedEnforcer
	// functions are the functions a condition may call: Casbin's built-in
	// ones and g, which reads the enforcer's current role links.
	functions map[string]govaluate.ExpressionFunction
	// compiled maps a condition's text to its *compiledCondition.
	compiled sync.Map
}

type compiledCondition struct {
	expr *govaluate.EvaluableExpression
	err  error
}

func newConditions(e *casbin.SyncedEnforcer) *conditions {
	fm := model.LoadFunctionMap()
	c := &conditions{e: e, functions: fm.GetFunctions()}
	c.functions["g"] = c.g
	return c
}

// install registers cond on the enforcer. Casbin keeps added functions
// across LoadPolicy (the watcher's reload); only LoadModel and SetModel
// drop them, and Enforcer calls neither.
func (c *conditions) install() {
	c.e.AddFunction(condFunction, c.eval)
}

// g is the role-link function of the matcher, for conditions that call
// it. It runs inside Enforce, which holds the enforcer's read lock, so it
// reads the role manager without taking the lock again.
func (c *conditions) g(args ...interface{}) (interface{}, error) {
	return util.GenerateGFunction(c.e.Enforcer.GetRoleManager())(args...)
}

func (c *conditions) compile(text string) *compiledCondition {
	if v, ok := c.compiled.Load(text); ok {
		return v.(*compiledCondition)
	}
	expr, err := govaluate.NewEvaluableExpressionWithFunctions(util.EscapeAssertion(text), c.functions)
	if err != nil {
		err = fmt.Errorf("error while parsing condition %q: %w", text, err)
	}
	v, _ := c.compiled.LoadOrStore(text, &compiledCondition{expr: expr, err: err})
	return v.(*compiledCondition)
}

// eval is cond: it reports whether the condition (the first argument)
// holds for the request and policy values that follow it. A condition
// that does not parse, or does not evaluate, is an error, never a match.
func (c *conditions) eval(args ...interface{}) (interface{}, error) {
	if len(args) != len(condNames) {
		return nil, fmt.Errorf("function %s expects %d arguments, got %d", condFunction, len(condNames), len(args))
	}
	text, ok := args[0].(string)
	if !ok {
		return nil, errors.New("the condition of a policy rule must be a string")
	}
	cc := c.compile(text)
	if cc.err != nil {
		return nil, cc.err
	}
	return cc.expr.Eval(condParams(args))
}

// condParams are the values named by condNames.
type condParams []interface{}

func (p condParams) Get(name string) (interface{}, error) {
	for i, n := range condNames {
		if n == name {
			return p[i], nil
		}
	}
	return nil, errors.New("No parameter '" + name + "' found.")
}
