package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"helpdesk/ent"
	"helpdesk/internal/stats"
)

// statsRequest decodes the arguments ticketStats and ticketStatsChanged
// share. The filter's edges are already scoped (ScopeFilters); the filter
// as the client wrote it goes into each bucket's drill-down.
func statsRequest(ctx context.Context, where *ent.TicketWhereInput, groupBy []stats.Dimension, categoryLevel *int, timeBucket *stats.TimeBucket, timezone *string) (stats.Request, error) {
	req := stats.Request{Where: where, GroupBy: groupBy, Bucket: timeBucket}
	if categoryLevel != nil {
		req.CategoryLevel = *categoryLevel
	}
	zone := ""
	if timezone != nil {
		zone = *timezone
	}
	loc, err := stats.LoadLocation("timezone", zone)
	if err != nil {
		return req, err
	}
	req.Location = loc
	fc, oc := graphql.GetFieldContext(ctx), graphql.GetOperationContext(ctx)
	if fc != nil && fc.Field.Field != nil && oc != nil {
		if w, ok := fc.Field.ArgumentMap(oc.Variables)["where"]; ok && w != nil {
			req.WrittenWhere = w
		}
	}
	return req, nil
}
