package realtime

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/predicate"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/gid"
)

// pastColumns maps the fields the event log records (FieldChange.Field)
// to the ticket columns a queue is evaluated on as of an earlier
// sequence. The other columns (times, counters, the watchers and
// mentions the read scope uses) keep their current values.
var pastColumns = map[string]string{
	"status":         ticket.FieldStatus,
	"priority":       ticket.FieldPriority,
	"channel":        ticket.FieldChannel,
	"title":          ticket.FieldTitle,
	"team":           ticket.FieldTeamID,
	"assignee":       ticket.FieldAssigneeID,
	"category":       ticket.FieldCategoryID,
	"customer":       ticket.FieldCustomerID,
	"orderReference": ticket.FieldOrderReference,
	"slaState":       ticket.FieldSLAState,
	"slaPolicy":      ticket.FieldSLAPolicyID,
}

// inQueueAt reports which of the tickets ids were in the queue right
// after sequence at: the viewer could read them and they matched the
// filter, evaluated on their columns as they were then. The value of a
// field at a sequence is the `from` of its first change after it (or its
// current value when it has not changed since); a ticket created after
// it was in no queue.
//
// The read scope is the viewer's current one (its teams and lead teams),
// applied to the past columns (assignee, team, customer); watchers and
// mentions are read as they are now. Both only ever grant reading, so a
// ticket the viewer cannot read now is never counted as readable at the
// sequence because of them: a LEFT without content goes only to a viewer
// who could read the ticket then (with the rights it has now).
func (r *runner) inQueueAt(ctx context.Context, at int64, ids []gid.ID) (map[gid.ID]bool, error) {
	in := map[gid.ID]bool{}
	if len(ids) == 0 {
		return in, nil
	}
	// The history and the tickets are read in one consistent read: a
	// change committed between them would otherwise not be undone.
	tx, err := r.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the tickets' history: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	later, err := tx.TicketEvent.Query().
		Where(ticketevent.TicketIDIn(ids...), ticketevent.SequenceGT(at)).
		Order(ent.Asc(ticketevent.FieldSequence)).
		All(systemContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("reading the tickets' history: %w", err)
	}
	past := map[gid.ID]map[string]*string{}
	born := map[gid.ID]bool{}
	for _, ev := range later {
		if ev.Kind == ticketevent.KindCREATED {
			born[ev.TicketID] = true
		}
		fields := past[ev.TicketID]
		if fields == nil {
			fields = map[string]*string{}
			past[ev.TicketID] = fields
		}
		for _, c := range ev.Changes {
			col, ok := pastColumns[c.Field]
			if _, seen := fields[col]; ok && !seen {
				fields[col] = c.From
			}
		}
	}
	var existed []gid.ID
	for _, id := range ids {
		if !born[id] {
			existed = append(existed, id)
		}
	}
	if len(existed) == 0 {
		return in, nil
	}
	q := tx.Ticket.Query().Where(asOf(existed, past), ticket.IDIn(existed...))
	if r.q.Match != nil {
		q.Where(r.q.Match)
	}
	found, err := q.IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluating the queue's filter as of the cursor: %w", err)
	}
	for _, id := range found {
		in[id] = true
	}
	return in, tx.Commit()
}

// asOf makes a ticket query read the tickets ids with the columns of
// past (by ticket, column: the value then) in place of their current
// ones: the query's table becomes a derived table of the same name, so
// the filter, the read scope and every edge predicate apply to the
// tickets as they were.
func asOf(ids []gid.ID, past map[gid.ID]map[string]*string) predicate.Ticket {
	return func(s *sql.Selector) {
		b := sql.Dialect(s.Dialect())
		t := b.Table(ticket.Table)
		then := b.Select().From(t).Where(sql.In(t.C(ticket.FieldID), anys(ids)...))
		for _, col := range ticket.Columns {
			cases := map[gid.ID]any{}
			for _, id := range ids {
				if v, ok := past[id][col]; ok {
					cases[id] = nullable(v)
				} else if v, ok := past[id][ticket.FieldPriority]; ok && col == ticket.FieldPriorityRank && v != nil {
					cases[id] = schematype.Priority(*v).Rank()
				}
			}
			if len(cases) == 0 {
				then.AppendSelect(t.C(col))
				continue
			}
			then.AppendSelectExprAs(caseByID(t, col, ids, cases), col)
		}
		s.From(then.As(ticket.Table))
	}
}

// caseByID is `CASE id WHEN … THEN … ELSE col END`: the column with the
// values of cases for their tickets.
func caseByID(t *sql.SelectTable, col string, ids []gid.ID, cases map[gid.ID]any) sql.Querier {
	return sql.P(func(b *sql.Builder) {
		b.WriteString("CASE ").WriteString(t.C(ticket.FieldID))
		for _, id := range ids {
			v, ok := cases[id]
			if !ok {
				continue
			}
			b.WriteString(" WHEN ").Arg(string(id)).WriteString(" THEN ").Arg(v)
		}
		b.WriteString(" ELSE ").WriteString(t.C(col)).WriteString(" END")
	})
}

func nullable(v *string) any {
	if v == nil {
		return nil
	}
	return *v
}

func anys(ids []gid.ID) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}
