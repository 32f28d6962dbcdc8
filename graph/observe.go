package graph

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"helpdesk/internal/metrics"
)

// observeOperations records each query and mutation (operation name,
// latency, error codes) and each subscription (live count, payloads
// delivered) in m.
func observeOperations(m *metrics.Metrics) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		responses := next(ctx)
		if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
			return func(ctx context.Context) *graphql.Response {
				resp := responses(ctx)
				name := ""
				if oc != nil && oc.Operation != nil {
					name = operationName(oc.Operation)
				}
				start := time.Now()
				if oc != nil && !oc.Stats.OperationStart.IsZero() {
					start = oc.Stats.OperationStart
				}
				m.ObserveRequest(name, time.Since(start), errorCodes(resp))
				return resp
			}
		}
		m.SubscriptionStarted()
		var end sync.Once
		return func(ctx context.Context) *graphql.Response {
			resp := responses(ctx)
			if resp == nil {
				end.Do(m.SubscriptionEnded)
			} else {
				m.EventDelivered()
			}
			return resp
		}
	}
}

func errorCodes(resp *graphql.Response) []string {
	if resp == nil {
		return nil
	}
	var codes []string
	for _, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		if code == "" {
			code = "UNKNOWN"
		}
		codes = append(codes, code)
	}
	return codes
}
