// Command gqlgen generates graph/generated from gqlgen.yml, as `gqlgen
// generate` does, with two changes to how a response is resolved:
//
//   - The fields of an object are resolved one after another, not each in
//     a goroutine of its own. gqlgen runs every field backed by a method
//     taking a context (ent's edges, our resolvers) concurrently with its
//     siblings; on a page of tickets that is three or four goroutines per
//     ticket, which cost more CPU (their stacks, their scheduling, the
//     garbage they leave) than the fields themselves: ent's edges are
//     already loaded by field collection, and the page's category paths
//     and SLA clocks are loaded for the whole list at once (categoryPath,
//     slaTimeline). The root types keep gqlgen's behaviour (queries'
//     root fields concurrently, mutations' in order), and so do the
//     objects in keepConcurrent, whose fields each wait on a dataloader.
//   - A list's elements are resolved in order unless its selection asks
//     for a field that waits on a dataloader (see marshalSlice in
//     graph/generated/lists.go): that field must run beside the same field
//     of the other elements, or the loader batches nothing.
//   - An object resolved in order builds no group of deferred fields
//     (gqlgen defers only fields it resolves concurrently).
//
// A dataloader batches the keys asked for within its wait, from all the
// goroutines that ask; both changes keep one goroutine per list element
// wherever such a field is selected, so batches hold a whole list as
// before (the statement-count tests check it).
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"regexp"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

// keepConcurrent are the objects with more than one field that waits on
// a dataloader: resolved in order, each would wait out its loader's delay
// in turn.
var keepConcurrent = map[string]bool{
	"TicketStatsBucket": true,
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return fmt.Errorf("loading the gqlgen config: %w", err)
	}
	if err := api.Generate(cfg, api.AddPlugin(inOrder{})); err != nil {
		return fmt.Errorf("generating: %w", err)
	}
	return rewrite(cfg.Exec.Filename)
}

// inOrder marks the objects whose fields are resolved one after another.
type inOrder struct{}

func (inOrder) Name() string { return "inorder" }

func (inOrder) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if o.Root || keepConcurrent[o.Name] {
			continue
		}
		o.DisableConcurrency = true
	}
	for name := range keepConcurrent {
		if data.Objects.ByName(name) == nil {
			return fmt.Errorf("keepConcurrent names %s, which is not an object of the schema", name)
		}
	}
	return nil
}

// sliceCall is how gqlgen's template marshals a list of objects: a
// goroutine per element.
var sliceCall = regexp.MustCompile(`graphql\.MarshalSliceConcurrently\(ctx, len\(v\), 0, (true|false), func\(`)

// newGroup is how gqlgen's template starts an object's deferred fields.
const newGroup = "deferred := graphql.NewDeferredGroup(ctx)"

// rewrite changes the generated code in two places:
//
//   - every list of objects is marshalled by marshalSlice, which decides
//     from the list's selection whether its elements need goroutines;
//   - an object resolved in order has no deferred fields (gqlgen defers
//     only fields it resolves concurrently), so it does not build a
//     deferred group (NewDeferredGroup computes the response path and
//     allocates a field set and a map for every object of a response).
func rewrite(filename string) error {
	src, err := os.ReadFile(filename)
	if err != nil {
		return err
	}
	if len(sliceCall.FindAllIndex(src, -1)) == 0 {
		return fmt.Errorf("%s: found no list marshalled with graphql.MarshalSliceConcurrently; has gqlgen's template changed?", filename)
	}
	out := sliceCall.ReplaceAll(src, []byte("marshalSlice(ctx, sel, len(v), $1, func("))
	if bytes.Contains(out, []byte("graphql.MarshalSliceConcurrently(")) {
		return fmt.Errorf("%s: a list is marshalled with graphql.MarshalSliceConcurrently in a form this command does not rewrite", filename)
	}
	funcs := bytes.Split(out, []byte("\nfunc "))
	groups := 0
	for i, f := range funcs {
		if bytes.Contains(f, []byte(newGroup)) && !bytes.Contains(f, []byte("&deferred")) {
			funcs[i] = bytes.Replace(f, []byte(newGroup), []byte("var deferred graphql.DeferredGroup // resolved in order: nothing is deferred"), 1)
			groups++
		}
	}
	if groups == 0 {
		return fmt.Errorf("%s: found no object starting its deferred fields with %q; has gqlgen's template changed?", filename, newGroup)
	}
	out = bytes.Join(funcs, []byte("\nfunc "))
	if out, err = format.Source(out); err != nil {
		return fmt.Errorf("formatting %s: %w", filename, err)
	}
	return os.WriteFile(filename, out, 0o644)
}
