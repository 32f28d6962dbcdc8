package sla

import (
	"context"
	"fmt"
	"slices"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/businesscalendar"
	"helpdesk/ent/category"
	"helpdesk/ent/schematype"
	"helpdesk/ent/slaclock"
	"helpdesk/ent/slapolicy"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/catalog"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
	"helpdesk/internal/workflow"
)

// Timelines returns the SLA clocks of each ticket, in metric order, keyed
// by ticket id; a ticket without clocks has an empty timeline. The
// caller has read the tickets as the viewer, so the viewer may see their
// clocks. However many tickets there are, it reads the clocks, then the
// policies with their calendars, then the teams' calendars for policies
// without one: at most five statements.
func (e *Engine) Timelines(ctx context.Context, tickets []*ent.Ticket) (map[gid.ID][]*TimelineEntry, error) {
	ctx = auth.WithViewer(ctx, auth.System)
	out := make(map[gid.ID][]*TimelineEntry, len(tickets))
	ids := make([]gid.ID, 0, len(tickets))
	for _, t := range tickets {
		out[t.ID] = []*TimelineEntry{}
		ids = append(ids, t.ID)
	}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := e.Client.SLAClock.Query().Where(slaclock.TicketIDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading SLA clocks: %w", err)
	}
	clocks := make(map[gid.ID][]*ent.SLAClock, len(tickets))
	for _, r := range rows {
		clocks[r.TicketID] = append(clocks[r.TicketID], r)
	}
	var measured []*ent.Ticket
	for _, t := range tickets {
		if len(clocks[t.ID]) > 0 {
			measured = append(measured, t)
		}
	}
	cals, err := calendarsOf(ctx, e.Client, measured)
	if err != nil {
		return nil, err
	}
	now := e.now()
	for _, t := range measured {
		out[t.ID] = timeline(clocks[t.ID], cals[t.ID], now)
	}
	return out, nil
}

// calendarsOf returns the calendar each ticket is measured in (see
// policyAndCalendar), in two to four statements for all of them.
func calendarsOf(ctx context.Context, client *ent.Client, tickets []*ent.Ticket) (map[gid.ID]*Calendar, error) {
	out := make(map[gid.ID]*Calendar, len(tickets))
	var policyIDs []gid.ID
	for _, t := range tickets {
		out[t.ID] = AlwaysOpen()
		if t.SLAPolicyID != nil && !slices.Contains(policyIDs, *t.SLAPolicyID) {
			policyIDs = append(policyIDs, *t.SLAPolicyID)
		}
	}
	if len(policyIDs) == 0 {
		return out, nil
	}
	policies, err := client.SLAPolicy.Query().Where(slapolicy.IDIn(policyIDs...)).WithCalendar().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading SLA policies: %w", err)
	}
	policyCal := make(map[gid.ID]*ent.BusinessCalendar, len(policies))
	for _, p := range policies {
		policyCal[p.ID] = p.Edges.Calendar
	}
	var teamIDs []gid.ID
	for _, t := range tickets {
		if t.SLAPolicyID != nil && policyCal[*t.SLAPolicyID] == nil && t.TeamID != nil && !slices.Contains(teamIDs, *t.TeamID) {
			teamIDs = append(teamIDs, *t.TeamID)
		}
	}
	teamCal := make(map[gid.ID]*ent.BusinessCalendar, len(teamIDs))
	if len(teamIDs) > 0 {
		teams, err := client.Team.Query().Where(team.IDIn(teamIDs...)).WithCalendar().All(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading the teams' calendars: %w", err)
		}
		for _, tm := range teams {
			teamCal[tm.ID] = tm.Edges.Calendar
		}
	}
	built := map[*ent.BusinessCalendar]*Calendar{}
	for _, t := range tickets {
		if t.SLAPolicyID == nil {
			continue
		}
		bc := policyCal[*t.SLAPolicyID]
		if bc == nil && t.TeamID != nil {
			bc = teamCal[*t.TeamID]
		}
		if bc == nil {
			continue
		}
		cal, ok := built[bc]
		if !ok {
			if cal, err = calendarOf(bc); err != nil {
				return nil, err
			}
			built[bc] = cal
		}
		out[t.ID] = cal
	}
	return out, nil
}

// timeline shows a ticket's clocks in metric order, measured in cal at now.
func timeline(rows []*ent.SLAClock, cal *Calendar, now time.Time) []*TimelineEntry {
	out := make([]*TimelineEntry, 0, len(rows))
	for _, m := range Metrics {
		i := slices.IndexFunc(rows, func(r *ent.SLAClock) bool { return r.Metric == m })
		if i < 0 {
			continue
		}
		cl := ClockOf(rows[i])
		entry := &TimelineEntry{
			Metric: cl.Metric, TargetMinutes: int(cl.Target / time.Minute), StartedAt: cl.StartedAt,
			PausedIntervals: []PausedInterval{}, DueAt: cl.DueAt, MetAt: cl.MetAt, BreachedAt: cl.BreachedAt,
			StoppedAt: cl.StoppedAt, State: cl.State(),
		}
		for _, p := range cl.Pauses {
			end := p.End
			entry.PausedIntervals = append(entry.PausedIntervals, PausedInterval{Start: p.Start, End: &end})
		}
		if cl.PausedSince != nil {
			entry.PausedIntervals = append(entry.PausedIntervals, PausedInterval{Start: *cl.PausedSince})
		}
		if left, ok := cl.Remaining(cal, now); ok {
			secs := int(left / time.Second)
			entry.RemainingSeconds = &secs
		}
		out = append(out, entry)
	}
	return out
}

// Preview returns the due times a policy gives a ticket of the priority
// created at from (and a customer message then, for NEXT_RESPONSE), in
// the policy's calendar or 24×7. Staff who may read the configuration
// (every agent) may preview; customers and integration tokens may not.
func (e *Engine) Preview(ctx context.Context, policyID gid.ID, priority schematype.Priority, from time.Time) (*Preview, error) {
	if _, err := e.Authz.CheckConfig(ctx, authz.ActRead, authz.ObjConfig); err != nil {
		return nil, err
	}
	if !priority.Valid() {
		return nil, apperr.Invalid("priority", "%q is not a valid priority", priority)
	}
	p, err := e.Client.SLAPolicy.Query().Where(slapolicy.ID(policyID)).WithCalendar().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("policyID", "no SLA policy with id %q", policyID)
	}
	if err != nil {
		return nil, fmt.Errorf("loading SLA policy: %w", err)
	}
	cal, err := calendarOf(p.Edges.Calendar)
	if err != nil {
		return nil, err
	}
	from = from.UTC()
	out := &Preview{Policy: p, Priority: priority, From: from, Timezone: "UTC"}
	if p.Edges.Calendar != nil {
		out.Timezone = p.Edges.Calendar.Timezone
	}
	for m, target := range Targets(p, priority) {
		due, ok := cal.Add(from, target, nil)
		if !ok {
			continue
		}
		switch m {
		case slaclock.MetricFIRST_ASSIGNMENT:
			out.FirstAssignmentDueAt = &due
		case slaclock.MetricFIRST_RESPONSE:
			out.FirstResponseDueAt = &due
		case slaclock.MetricNEXT_RESPONSE:
			out.NextResponseDueAt = &due
		case slaclock.MetricRESOLUTION:
			out.ResolutionDueAt = &due
		}
	}
	return out, nil
}

// SetTicketPolicy chooses a ticket's policy explicitly (nil: back to the
// conditions) and records the change; its clocks follow. Administrators
// and managers may, for any ticket, and leads for their team's tickets
// (authz.ActSetSLAPolicy); a ticket the viewer may not read is not found.
func (e *Engine) SetTicketPolicy(ctx context.Context, ticketID gid.ID, policyID *gid.ID) (*ent.Ticket, error) {
	viewer, err := authz.Viewer(ctx)
	if err != nil {
		return nil, err
	}
	err = e.Events.WithTx(ctx, func(tx *events.Tx) error {
		now := e.now()
		t, err := e.lockTicket(ctx, tx, ticketID)
		if ent.IsNotFound(err) {
			return apperr.NotFound("no ticket with id %q", ticketID)
		}
		if err != nil {
			return fmt.Errorf("loading ticket: %w", err)
		}
		res, err := authz.TicketResource(ctx, tx.Client(), viewer, t)
		if err != nil {
			return err
		}
		if err := e.Authz.Require(viewer, authz.ActSetSLAPolicy, authz.TicketDomain(t), res); err != nil {
			return err
		}
		if workflow.IsFinal(t.Status) {
			return apperr.Conflict("ticket #%d is %s and can no longer change", t.Number, t.Status)
		}
		chosen := policyID
		if policyID != nil {
			ok, err := tx.SLAPolicy.Query().Where(slapolicy.ID(*policyID), slapolicy.Active(true)).Exist(ctx)
			if err != nil {
				return fmt.Errorf("checking SLA policy: %w", err)
			}
			if !ok {
				return apperr.Invalid("policyID", "no active SLA policy with id %q", *policyID)
			}
		} else if chosen, err = PickPolicy(ctx, tx, t); err != nil {
			return err
		}
		upd := tx.Ticket.UpdateOneID(t.ID).SetSLAPolicyExplicit(policyID != nil).SetUpdatedAt(now)
		if equalID(chosen, t.SLAPolicyID) {
			return upd.Exec(ctx)
		}
		upd.SetVersion(t.Version + 1)
		if chosen == nil {
			upd.ClearSLAPolicyID()
		} else {
			upd.SetSLAPolicyID(*chosen)
		}
		if err := upd.Exec(ctx); err != nil {
			return fmt.Errorf("setting the SLA policy of ticket #%d: %w", t.Number, err)
		}
		return tx.Record(ctx, events.Change{TicketID: t.ID, ActorID: viewer.ActorID(), Kind: ticketevent.KindUPDATED, At: now,
			Changes: []schematype.FieldChange{{Field: "slaPolicy", From: idText(t.SLAPolicyID), To: idText(chosen)}}})
	})
	if err != nil {
		return nil, err
	}
	return e.Client.Ticket.Get(ctx, ticketID)
}

// UpdatePolicy changes an SLA policy; a RecomputeArgs job, enqueued in
// the same transaction, then brings the open tickets in line (choosing
// their policy again when the change can move tickets between policies).
func (e *Engine) UpdatePolicy(ctx context.Context, id gid.ID, in UpdatePolicyInput) (*ent.SLAPolicy, error) {
	if _, err := e.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	err := e.Events.WithTx(ctx, func(tx *events.Tx) error {
		p, err := tx.SLAPolicy.Get(ctx, id)
		if ent.IsNotFound(err) {
			return apperr.NotFound("no SLA policy with id %q", id)
		}
		if err != nil {
			return fmt.Errorf("loading SLA policy: %w", err)
		}
		upd := tx.SLAPolicy.UpdateOneID(id).SetUpdatedAt(e.now())
		if in.Name != nil {
			name, err := input.Text("input.name", *in.Name, 200)
			if err != nil {
				return err
			}
			taken, err := tx.SLAPolicy.Query().Where(slapolicy.NameEqualFold(name), slapolicy.IDNEQ(id)).Exist(ctx)
			if err != nil {
				return fmt.Errorf("checking SLA policy name: %w", err)
			}
			if taken {
				return apperr.Conflict("an SLA policy named %q already exists", name)
			}
			upd.SetName(name)
		}
		if in.Description != nil {
			upd.SetDescription(*in.Description)
		}
		switch {
		case in.CalendarID != nil:
			ok, err := tx.BusinessCalendar.Query().Where(businesscalendar.ID(*in.CalendarID)).Exist(ctx)
			if err != nil {
				return fmt.Errorf("checking calendar: %w", err)
			}
			if !ok {
				return apperr.Invalid("input.calendarID", "no business calendar with this id")
			}
			upd.SetCalendarID(*in.CalendarID)
		case in.ClearCalendar != nil && *in.ClearCalendar:
			upd.ClearCalendar()
		}
		if in.Targets != nil {
			targets, err := catalog.CheckTargets(in.Targets)
			if err != nil {
				return err
			}
			upd.SetTargets(targets)
		}
		if in.ReminderPercents != nil {
			levels, err := catalog.CheckReminders(in.ReminderPercents)
			if err != nil {
				return err
			}
			upd.SetReminderPercents(levels)
		}
		if in.BreachActions != nil {
			upd.SetBreachActions(dedupe(in.BreachActions))
		}
		if in.Conditions != nil {
			c, err := catalog.CheckConditions("input.conditions", *in.Conditions)
			if err != nil {
				return err
			}
			upd.SetConditions(c)
		}
		if in.Position != nil {
			upd.SetPosition(*in.Position)
		}
		if in.Active != nil {
			upd.SetActive(*in.Active)
			if !*in.Active {
				upd.SetIsDefault(false)
			}
		}
		if in.IsDefault != nil {
			if *in.IsDefault && (!p.Active && (in.Active == nil || !*in.Active)) {
				return apperr.Invalid("input.isDefault", "a retired policy cannot be the default")
			}
			if *in.IsDefault {
				if err := tx.SLAPolicy.Update().Where(slapolicy.IsDefault(true), slapolicy.IDNEQ(id)).SetIsDefault(false).Exec(ctx); err != nil {
					return fmt.Errorf("unmarking default SLA policy: %w", err)
				}
			}
			upd.SetIsDefault(*in.IsDefault)
		}
		if err := upd.Exec(ctx); err != nil {
			return fmt.Errorf("updating SLA policy: %w", err)
		}
		// Conditions, order, activity and the default decide which
		// tickets a policy measures: then every open ticket's policy is
		// chosen again; otherwise only the policy's tickets move.
		reselect := in.Conditions != nil || in.Position != nil || in.Active != nil || in.IsDefault != nil
		return e.enqueueRecompute(ctx, tx, RecomputeArgs{Reselect: reselect, PolicyID: id})
	})
	if err != nil {
		return nil, err
	}
	return e.Client.SLAPolicy.Get(ctx, id)
}

// DeletePolicy deletes an SLA policy, or retires it (inactive, not the
// default) when tickets or categories still name it; the open tickets
// then have their policy chosen again (see RecomputeArgs).
func (e *Engine) DeletePolicy(ctx context.Context, id gid.ID) (*DeletePolicyResult, error) {
	if _, err := e.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	out := &DeletePolicyResult{ID: id}
	err := e.Events.WithTx(auth.WithViewer(ctx, auth.System), func(tx *events.Tx) error {
		ok, err := tx.SLAPolicy.Query().Where(slapolicy.ID(id)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("loading SLA policy: %w", err)
		}
		if !ok {
			return apperr.NotFound("no SLA policy with id %q", id)
		}
		used, err := tx.Ticket.Query().Where(ticket.SLAPolicyID(id)).Exist(auth.WithViewer(ctx, auth.System))
		if err != nil {
			return fmt.Errorf("checking the policy's tickets: %w", err)
		}
		if !used {
			if used, err = tx.Category.Query().Where(category.HasSLAPolicyWith(slapolicy.ID(id))).Exist(ctx); err != nil {
				return fmt.Errorf("checking the policy's categories: %w", err)
			}
		}
		if used {
			out.Retired = true
			if err := tx.SLAPolicy.UpdateOneID(id).SetActive(false).SetIsDefault(false).SetUpdatedAt(e.now()).Exec(ctx); err != nil {
				return fmt.Errorf("retiring SLA policy: %w", err)
			}
			return e.enqueueRecompute(ctx, tx, RecomputeArgs{Reselect: true})
		}
		return tx.SLAPolicy.DeleteOneID(id).Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateCalendar changes a business calendar; a RecomputeArgs job,
// enqueued in the same transaction, then recomputes the open tickets
// measured in it.
func (e *Engine) UpdateCalendar(ctx context.Context, id gid.ID, in UpdateCalendarInput) (*ent.BusinessCalendar, error) {
	if _, err := e.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	err := e.Events.WithTx(ctx, func(tx *events.Tx) error {
		ok, err := tx.BusinessCalendar.Query().Where(businesscalendar.ID(id)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("loading business calendar: %w", err)
		}
		if !ok {
			return apperr.NotFound("no business calendar with id %q", id)
		}
		upd := tx.BusinessCalendar.UpdateOneID(id).SetUpdatedAt(e.now())
		if in.Name != nil {
			name, err := input.Text("input.name", *in.Name, 200)
			if err != nil {
				return err
			}
			taken, err := tx.BusinessCalendar.Query().Where(businesscalendar.NameEqualFold(name), businesscalendar.IDNEQ(id)).Exist(ctx)
			if err != nil {
				return fmt.Errorf("checking calendar name: %w", err)
			}
			if taken {
				return apperr.Conflict("a business calendar named %q already exists", name)
			}
			upd.SetName(name)
		}
		if in.Timezone != nil {
			tz, err := input.TimeZone("input.timezone", *in.Timezone)
			if err != nil {
				return err
			}
			upd.SetTimezone(tz)
		}
		if in.WeeklyHours != nil {
			hours, err := catalog.CheckWeeklyHours(in.WeeklyHours)
			if err != nil {
				return err
			}
			upd.SetWeeklyHours(hours)
		}
		if in.Holidays != nil {
			holidays := []string{}
			for i, h := range in.Holidays {
				if _, err := time.Parse(time.DateOnly, h); err != nil {
					return apperr.Invalid(fmt.Sprintf("input.holidays[%d]", i), "%q is not a date (YYYY-MM-DD)", h)
				}
				holidays = append(holidays, h)
			}
			slices.Sort(holidays)
			upd.SetHolidays(slices.Compact(holidays))
		}
		if err := upd.Exec(ctx); err != nil {
			return fmt.Errorf("updating business calendar: %w", err)
		}
		return e.enqueueRecompute(ctx, tx, RecomputeArgs{CalendarID: id})
	})
	if err != nil {
		return nil, err
	}
	return e.Client.BusinessCalendar.Get(ctx, id)
}

// DeleteCalendar deletes a business calendar that no policy or team uses.
func (e *Engine) DeleteCalendar(ctx context.Context, id gid.ID) (gid.ID, error) {
	if _, err := e.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return "", err
	}
	err := e.Events.WithTx(ctx, func(tx *events.Tx) error {
		ok, err := tx.BusinessCalendar.Query().Where(businesscalendar.ID(id)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("loading business calendar: %w", err)
		}
		if !ok {
			return apperr.NotFound("no business calendar with id %q", id)
		}
		usedByPolicy, err := tx.SLAPolicy.Query().Where(slapolicy.HasCalendarWith(businesscalendar.ID(id))).Exist(ctx)
		if err != nil {
			return fmt.Errorf("checking the calendar's policies: %w", err)
		}
		usedByTeam, err := tx.Team.Query().Where(team.HasCalendarWith(businesscalendar.ID(id))).Exist(ctx)
		if err != nil {
			return fmt.Errorf("checking the calendar's teams: %w", err)
		}
		if usedByPolicy || usedByTeam {
			return apperr.Conflict("the business calendar is used by an SLA policy or a team; change those first")
		}
		return tx.BusinessCalendar.DeleteOneID(id).Exec(ctx)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

func dedupe(in []string) []string {
	out := []string{}
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
