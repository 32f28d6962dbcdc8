package ticketing

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/category"
	"helpdesk/ent/schematype"
	"helpdesk/ent/team"
	"helpdesk/ent/teammembership"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
	"helpdesk/internal/store"
	"helpdesk/internal/workflow"
)

const (
	maxTitle       = 500
	maxDescription = 100_000
	maxOrderRef    = 200
	// maxTags bounds the tags on one ticket, maxWatchers the watchers an
	// input names, maxMentions the agents one comment mentions.
	maxTags     = 50
	maxWatchers = 50
	maxMentions = 50
)

// CreateTicket opens a ticket. It takes the next ticket number, routes the
// ticket to a team (the given one, else the nearest category's default
// team, else the default team), picks the SLA policy (the nearest
// category's, else the default policy) and records the CREATED event.
func (s *Service) CreateTicket(ctx context.Context, in CreateTicketInput) (*ent.Ticket, error) {
	viewer, err := s.Authz.Check(ctx, authz.ActCreate, authz.NoDomain, authz.Resource{Type: authz.ObjTicket})
	if err != nil {
		return nil, err
	}
	if viewer.IsCustomer() {
		// A customer opens tickets for themselves only, and does not route them.
		if in.TeamID != nil || in.AssigneeID != nil || len(in.WatcherIDs) > 0 || (in.Internal != nil && *in.Internal) ||
			(in.CustomerID != nil && *in.CustomerID != viewer.CustomerID) {
			return nil, apperr.Forbidden("a customer may only open a ticket for themselves, without team, assignee, watchers or internal flag")
		}
		in.CustomerID = &viewer.CustomerID
	}
	title, err := input.Text("input.title", in.Title, maxTitle)
	if err != nil {
		return nil, err
	}
	description, err := description(in.Description)
	if err != nil {
		return nil, err
	}
	if err := ticket.ChannelValidator(in.Channel); err != nil {
		return nil, apperr.Invalid("input.channel", "%q is not a valid channel", in.Channel)
	}
	if in.Priority != nil && !in.Priority.Valid() {
		return nil, apperr.Invalid("input.priority", "%q is not a valid priority", *in.Priority)
	}
	internal := in.Internal != nil && *in.Internal
	if !internal && in.CustomerID == nil {
		return nil, apperr.Invalid("input.customerID", "is required unless the ticket is internal")
	}
	var orderRef *string
	if in.OrderReference != nil {
		if orderRef, err = input.OptionalText("input.orderReference", *in.OrderReference, maxOrderRef); err != nil {
			return nil, err
		}
	}
	if err := input.Items("input.tags", len(in.Tags), maxTags); err != nil {
		return nil, err
	}
	if err := input.Items("input.watcherIDs", len(in.WatcherIDs), maxWatchers); err != nil {
		return nil, err
	}
	custom, err := input.Map("input.customFields", in.CustomFields)
	if err != nil {
		return nil, err
	}

	v := newTicket{title: title, description: description, internal: internal, orderRef: orderRef, custom: custom}
	var created *ent.Ticket
	err = s.withTx(ctx, func(etx *events.Tx) error {
		if created, err = s.createTicket(ctx, etx, viewer, in, v); err != nil {
			return err
		}
		readBack(etx, &created)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created.Unwrap(), nil
}

// newTicket is a new ticket's checked input.
type newTicket struct {
	title, description string
	internal           bool
	orderRef           *string
	custom             map[string]any
	// followUpOf is the closed ticket the new one continues.
	followUpOf *gid.ID
}

// createTicket opens a ticket on etx (see CreateTicket); in has been
// checked into v, but for its references.
func (s *Service) createTicket(ctx context.Context, etx *events.Tx, viewer auth.Viewer, in CreateTicketInput, v newTicket) (*ent.Ticket, error) {
	tx := etx.Tx
	now := s.now()
	title, description, internal, orderRef, custom := v.title, v.description, v.internal, v.orderRef, v.custom
	var err error
	var cust *ent.Customer
	if in.CustomerID != nil {
		if cust, err = loadCustomer(ctx, tx, "input.customerID", *in.CustomerID); err != nil {
			return nil, err
		}
		events.KeepCustomer(etx, cust)
	}
	var path []*ent.Category
	if in.CategoryID != nil {
		if path, err = pathOf("input.categoryID", *in.CategoryID, func(id gid.ID) (*ent.Category, error) {
			return events.Category(ctx, etx, id)
		}); err != nil {
			return nil, err
		}
	}
	rule, err := s.matchRule(ctx, tx, workflowTicket(in.Channel, in.CustomerID, path, in.Tags, title), cust)
	if err != nil {
		return nil, err
	}
	teamID, err := s.routeTeam(ctx, tx, in.TeamID, path, rule)
	if err != nil {
		return nil, err
	}
	priority := schematype.PriorityMedium
	switch {
	case in.Priority != nil:
		priority = *in.Priority
	case rule != nil && rule.Priority != nil:
		priority = *rule.Priority
	default:
		if p := nearestPriority(path); p != nil {
			priority = *p
		}
	}
	if rule != nil {
		in.Tags = append(append([]string{}, in.Tags...), rule.AddTags...)
	}
	slaID, err := s.pickSLAPolicy(ctx, etx, path)
	if err != nil {
		return nil, err
	}
	status := ticket.StatusUNASSIGNED
	var firstAssigned *time.Time
	var firstAssignedSeconds *int
	if in.AssigneeID != nil {
		if err := checkAgent(ctx, tx, "input.assigneeID", *in.AssigneeID); err != nil {
			return nil, err
		}
		if err := s.requireReassign(ctx, tx, viewer, authz.Resource{Type: authz.ObjTicket, Unassigned: true, InMyTeam: teamID != nil && slices.Contains(viewer.TeamIDs, *teamID)}, teamID, in.AssigneeID); err != nil {
			return nil, err
		}
		status = ticket.StatusOPEN
		firstAssigned, firstAssignedSeconds = &now, new(int)
	}
	watchers, err := checkAgents(ctx, tx, "input.watcherIDs", in.WatcherIDs)
	if err != nil {
		return nil, err
	}
	tags, err := ensureTags(ctx, tx, "input.tags", in.Tags)
	if err != nil {
		return nil, err
	}
	// The number is taken right before the row is written (after every
	// check that can refuse the ticket), without a lock on PostgreSQL
	// (see store.NextTicketNumber).
	number, err := store.NextTicketNumber(ctx, tx, s.Dialect)
	if err != nil {
		return nil, err
	}
	created, err := tx.Ticket.Create().
		SetNumber(int(number)).
		SetTitle(title).
		SetDescription(description).
		SetStatus(status).
		SetPriority(priority).
		SetPriorityRank(priority.Rank()).
		SetChannel(in.Channel).
		SetInternal(internal).
		SetNillableOrderReference(orderRef).
		SetCustomFields(custom).
		SetNillableCustomerID(in.CustomerID).
		SetNillableCategoryID(in.CategoryID).
		SetNillableTeamID(teamID).
		SetNillableAssigneeID(in.AssigneeID).
		SetNillableSLAPolicyID(slaID).
		SetNillableCreatedByID(viewer.ActorID()).
		SetNillableFollowUpOfID(v.followUpOf).
		AddTagIDs(tags...).
		AddWatcherIDs(watchers...).
		SetStatusChangedAt(now).
		SetNillableFirstAssignedAt(firstAssigned).
		SetNillableFirstAssignmentSeconds(firstAssignedSeconds).
		SetCreatedAt(now).
		SetUpdatedAt(now).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating ticket: %w", err)
	}
	numberText := strconv.FormatInt(number, 10)
	ch := changeSet{{Field: "number", To: &numberText}}
	ch.addString("title", "", title)
	ch.addString("status", "", string(status))
	ch.addString("priority", "", string(priority))
	ch.addString("channel", "", string(in.Channel))
	if internal {
		ch.addString("internal", "", "true")
	}
	ch.addID("customer", nil, in.CustomerID)
	ch.addID("category", nil, in.CategoryID)
	ch.addID("team", nil, teamID)
	ch.addID("assignee", nil, in.AssigneeID)
	ch.addID("slaPolicy", nil, slaID)
	ch.addTime("firstAssignedAt", nil, firstAssigned)
	ch.addID("followUpOf", nil, v.followUpOf)
	if rule != nil {
		ch.addID("routingRule", nil, &rule.ID)
	}
	return created, etx.Record(ctx, change(viewer, created.ID, ticketevent.KindCREATED, ch, nil, now))
}

// readBack makes *t, right before the change commits, the ticket as the
// change's reactions left it, when they changed it too (the assignment,
// above all). It is read as the system: the change itself was
// authorized, and its author may no longer see the ticket (an agent's
// new ticket assigned to someone else).
func readBack(etx *events.Tx, t **ent.Ticket) {
	if *t == nil {
		return
	}
	id := (*t).ID
	etx.BeforeAppend(func(ctx context.Context) error {
		// Reactors may have changed the row: workflow assignment records
		// more changes, SLA clocks write derived fields (due times, state).
		fresh, err := etx.LoadTicket(ctx, id)
		if err != nil {
			return fmt.Errorf("reading ticket %s back: %w", id, err)
		}
		*t = fresh
		return nil
	})
}

// UpdateTicket changes the given fields of a ticket, bumps its version and
// records one UPDATED event listing every field that changed. With
// ExpectedVersion set, a ticket changed since that version is refused with
// CONFLICT. An update that changes nothing writes nothing.
func (s *Service) UpdateTicket(ctx context.Context, id gid.ID, in UpdateTicketInput) (*ent.Ticket, error) {
	viewer, err := authz.Viewer(ctx)
	if err != nil {
		return nil, err
	}
	var updated *ent.Ticket
	err = s.withTx(ctx, func(etx *events.Tx) error {
		tx := etx.Tx
		now := s.now()
		t, err := s.loadForChange(ctx, tx, id, in.ExpectedVersion)
		if err != nil {
			return err
		}
		res, err := s.authorize(ctx, tx, viewer, t, authz.ActWrite)
		if err != nil {
			return err
		}
		if in.AssigneeID != nil || isTrue(in.ClearAssignee) {
			team := t.TeamID
			if in.TeamID != nil {
				team = in.TeamID
			}
			if err := s.requireReassign(ctx, tx, viewer, res, team, in.AssigneeID); err != nil {
				return err
			}
		}
		upd := tx.Ticket.UpdateOneID(t.ID)
		var ch changeSet
		if err := s.applyTicketFields(ctx, tx, t, in, upd, &ch); err != nil {
			return err
		}
		if err := s.reroute(ctx, tx, t, in, upd, &ch); err != nil {
			return err
		}
		if in.AssigneeID != nil {
			if err := s.lockAgent(ctx, tx, *in.AssigneeID); err != nil {
				return err
			}
		}
		if err := applyAssignment(ctx, tx, t, in, upd, &ch, now); err != nil {
			return err
		}
		if err := applyTagsAndWatchers(ctx, tx, t, in, upd, &ch); err != nil {
			return err
		}
		updated, err = s.commitChange(ctx, etx, viewer, t, upd, ch, now)
		readBack(etx, &updated)
		return err
	})
	if err != nil {
		return nil, err
	}
	return updated.Unwrap(), nil
}

// SetTicketStatus moves a ticket to another status, if the status machine
// allows it, and accrues working and waiting time.
func (s *Service) SetTicketStatus(ctx context.Context, id gid.ID, to ticket.Status, expectedVersion *int) (*ent.Ticket, error) {
	viewer, err := authz.Viewer(ctx)
	if err != nil {
		return nil, err
	}
	if err := ticket.StatusValidator(to); err != nil {
		return nil, apperr.Invalid("status", "%q is not a valid status", to)
	}
	var updated *ent.Ticket
	err = s.withTx(ctx, func(etx *events.Tx) error {
		tx := etx.Tx
		now := s.now()
		t, err := s.loadForChange(ctx, tx, id, expectedVersion)
		if err != nil {
			return err
		}
		if _, err := s.authorize(ctx, tx, viewer, t, authz.ActWrite); err != nil {
			return err
		}
		if t.Status == to {
			updated = t
			return nil
		}
		if !workflow.CanTransition(t.Status, to) {
			return apperr.Invalid("status", "a %s ticket cannot move to %s", t.Status, to)
		}
		switch {
		case to == ticket.StatusUNASSIGNED && t.AssigneeID != nil:
			return apperr.Invalid("status", "the ticket has an assignee; unassign it instead")
		case workflow.NeedsAssignee(to) && t.AssigneeID == nil:
			return apperr.Invalid("status", "a ticket must be assigned to be %s", to)
		}
		upd := tx.Ticket.UpdateOneID(t.ID)
		var ch changeSet
		changeStatus(t, to, upd, &ch, now)
		updated, err = s.commitChange(ctx, etx, viewer, t, upd, ch, now)
		readBack(etx, &updated)
		return err
	})
	if err != nil {
		return nil, err
	}
	return updated.Unwrap(), nil
}

// authorize checks that the viewer may act on the ticket and returns the
// ticket as the policy sees it.
func (s *Service) authorize(ctx context.Context, tx *ent.Tx, viewer auth.Viewer, t *ent.Ticket, act string) (authz.Resource, error) {
	res, err := authz.TicketResource(ctx, tx.Client(), viewer, t)
	if err != nil {
		return res, err
	}
	return res, s.Authz.Require(viewer, act, authz.TicketDomain(t), res)
}

// requireReassign checks that the viewer may give the ticket to target
// (nil: take it away from its assignee). Agents and leads may only hand
// tickets to members of the ticket's team.
func (s *Service) requireReassign(ctx context.Context, tx *ent.Tx, viewer auth.Viewer, res authz.Resource, team, target *gid.ID) error {
	res.TargetInTeam = true
	if target != nil {
		res.TargetInTeam = false
		if team != nil {
			in, err := tx.TeamMembership.Query().
				Where(teammembership.TeamID(*team), teammembership.AgentID(*target)).Exist(ctx)
			if err != nil {
				return fmt.Errorf("checking team membership: %w", err)
			}
			res.TargetInTeam = in
		}
	}
	dom := authz.NoDomain
	if team != nil {
		dom = string(*team)
	}
	return s.Authz.Require(viewer, authz.ActReassign, dom, res)
}

// loadForChange reads and locks the ticket a change applies to and checks
// the version the client expects. Final tickets cannot change.
func (s *Service) loadForChange(ctx context.Context, tx *ent.Tx, id gid.ID, expectedVersion *int) (*ent.Ticket, error) {
	t, err := s.lockTicket(tx.Ticket.Query().Where(ticket.ID(id)).WithTags().WithWatchers()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("no ticket with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("loading ticket: %w", err)
	}
	if expectedVersion != nil && *expectedVersion != t.Version {
		return nil, apperr.Conflict("ticket #%d has changed: it is at version %d, not %d; reload it and try again",
			t.Number, t.Version, *expectedVersion)
	}
	if workflow.IsFinal(t.Status) {
		return nil, apperr.Conflict("ticket #%d is %s and can no longer change", t.Number, t.Status)
	}
	return t, nil
}

// commitChange saves upd only if the ticket is still at the version it was
// read at, bumps the version and records the event. Without changes it
// returns the ticket as it was.
func (s *Service) commitChange(ctx context.Context, tx *events.Tx, viewer auth.Viewer, t *ent.Ticket,
	upd *ent.TicketUpdateOne, ch changeSet, now time.Time) (*ent.Ticket, error) {
	return s.commitKind(ctx, tx, viewer, t, upd, ch, updateKind(ch), now)
}

// commitKind is commitChange recording the event as kind.
func (s *Service) commitKind(ctx context.Context, tx *events.Tx, viewer auth.Viewer, t *ent.Ticket,
	upd *ent.TicketUpdateOne, ch changeSet, kind ticketevent.Kind, now time.Time) (*ent.Ticket, error) {
	if len(ch) == 0 {
		return t, nil
	}
	updated, err := upd.
		Where(ticket.Version(t.Version)).
		SetVersion(t.Version + 1).
		SetUpdatedAt(now).
		Save(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Conflict("ticket #%d was changed by someone else meanwhile; reload it and try again", t.Number)
	}
	if err != nil {
		return nil, fmt.Errorf("updating ticket #%d: %w", t.Number, err)
	}
	tx.KeepTicket(updated)
	// Reactors may still change the row (SLA due times, assignment):
	// callers that answer it read it back with readBack.
	if err := tx.Record(ctx, change(viewer, t.ID, kind, ch, nil, now)); err != nil {
		return nil, err
	}
	return updated, nil
}

func (s *Service) applyTicketFields(ctx context.Context, tx *ent.Tx, t *ent.Ticket, in UpdateTicketInput,
	upd *ent.TicketUpdateOne, ch *changeSet) error {
	if in.Title != nil {
		title, err := input.Text("input.title", *in.Title, maxTitle)
		if err != nil {
			return err
		}
		upd.SetTitle(title)
		ch.addString("title", t.Title, title)
	}
	if in.Description != nil {
		d, err := description(in.Description)
		if err != nil {
			return err
		}
		upd.SetDescription(d)
		ch.addString("description", t.Description, d)
	}
	if in.Priority != nil {
		if !in.Priority.Valid() {
			return apperr.Invalid("input.priority", "%q is not a valid priority", *in.Priority)
		}
		upd.SetPriority(*in.Priority).SetPriorityRank(in.Priority.Rank())
		ch.addString("priority", string(t.Priority), string(*in.Priority))
	}
	if in.Channel != nil {
		if err := ticket.ChannelValidator(*in.Channel); err != nil {
			return apperr.Invalid("input.channel", "%q is not a valid channel", *in.Channel)
		}
		upd.SetChannel(*in.Channel)
		ch.addString("channel", string(t.Channel), string(*in.Channel))
	}
	if in.CustomerID != nil {
		if err := checkCustomer(ctx, tx, "input.customerID", *in.CustomerID); err != nil {
			return err
		}
		upd.SetCustomerID(*in.CustomerID)
		ch.addID("customer", t.CustomerID, in.CustomerID)
	}
	switch {
	case in.CategoryID != nil:
		if _, err := loadCategory(ctx, tx, "input.categoryID", *in.CategoryID); err != nil {
			return err
		}
		upd.SetCategoryID(*in.CategoryID)
		ch.addID("category", t.CategoryID, in.CategoryID)
	case isTrue(in.ClearCategory):
		upd.ClearCategory()
		ch.addID("category", t.CategoryID, nil)
	}
	switch {
	case in.TeamID != nil:
		if err := checkTeam(ctx, tx, "input.teamID", *in.TeamID); err != nil {
			return err
		}
		upd.SetTeamID(*in.TeamID)
		ch.addID("team", t.TeamID, in.TeamID)
	case isTrue(in.ClearTeam):
		upd.ClearTeam()
		ch.addID("team", t.TeamID, nil)
	}
	if in.OrderReference != nil {
		ref, err := input.OptionalText("input.orderReference", *in.OrderReference, maxOrderRef)
		if err != nil {
			return err
		}
		if ref == nil {
			upd.ClearOrderReference()
		} else {
			upd.SetOrderReference(*ref)
		}
		ch.add("orderReference", t.OrderReference, ref)
	}
	if in.CustomFields != nil {
		custom, err := input.Map("input.customFields", in.CustomFields)
		if err != nil {
			return err
		}
		upd.SetCustomFields(custom)
		ch.add("customFields", jsonText(t.CustomFields), jsonText(custom))
	}
	return nil
}

// applyAssignment sets or clears the assignee; assigning an UNASSIGNED
// ticket opens it and unassigning a worked ticket returns it to the queue.
func applyAssignment(ctx context.Context, tx *ent.Tx, t *ent.Ticket, in UpdateTicketInput,
	upd *ent.TicketUpdateOne, ch *changeSet, now time.Time) error {
	switch {
	case in.AssigneeID != nil:
		if err := checkAgent(ctx, tx, "input.assigneeID", *in.AssigneeID); err != nil {
			return err
		}
		upd.SetAssigneeID(*in.AssigneeID)
		ch.addID("assignee", t.AssigneeID, in.AssigneeID)
		if t.Status == ticket.StatusUNASSIGNED {
			changeStatus(t, ticket.StatusOPEN, upd, ch, now)
		}
		noteFirstAssignment(t, upd, ch, now)
	case isTrue(in.ClearAssignee) && t.AssigneeID != nil:
		upd.ClearAssignee()
		ch.addID("assignee", t.AssigneeID, nil)
		if workflow.NeedsAssignee(t.Status) {
			changeStatus(t, ticket.StatusUNASSIGNED, upd, ch, now)
		}
	}
	return nil
}

func applyTagsAndWatchers(ctx context.Context, tx *ent.Tx, t *ent.Ticket, in UpdateTicketInput,
	upd *ent.TicketUpdateOne, ch *changeSet) error {
	for _, l := range []struct {
		field  string
		n, max int
	}{
		{"input.addTags", len(in.AddTags), maxTags},
		{"input.removeTags", len(in.RemoveTags), maxTags},
		{"input.addWatcherIDs", len(in.AddWatcherIDs), maxWatchers},
		{"input.removeWatcherIDs", len(in.RemoveWatcherIDs), maxWatchers},
	} {
		if err := input.Items(l.field, l.n, l.max); err != nil {
			return err
		}
	}
	if len(in.AddTags) > 0 || len(in.RemoveTags) > 0 {
		before := tagList(t.Edges.Tags)
		add, err := ensureTags(ctx, tx, "input.addTags", in.AddTags)
		if err != nil {
			return err
		}
		remove, err := tagNames("input.removeTags", in.RemoveTags)
		if err != nil {
			return err
		}
		after := map[string]bool{}
		for _, tg := range t.Edges.Tags {
			after[tg.Name] = true
		}
		for _, n := range remove {
			for _, tg := range t.Edges.Tags {
				if tg.Name == n {
					upd.RemoveTagIDs(tg.ID)
					delete(after, n)
				}
			}
		}
		added, _ := tagNames("", in.AddTags)
		for _, n := range added {
			after[n] = true
		}
		if len(after) > maxTags {
			return apperr.Invalid("input.addTags", "a ticket may have at most %d tags", maxTags)
		}
		upd.AddTagIDs(add...)
		ch.add("tags", strPtr(before), strPtr(sortedKeys(after)))
	}
	if len(in.AddWatcherIDs) > 0 || len(in.RemoveWatcherIDs) > 0 {
		before := map[string]bool{}
		for _, w := range t.Edges.Watchers {
			before[string(w.ID)] = true
		}
		add, err := checkAgents(ctx, tx, "input.addWatcherIDs", in.AddWatcherIDs)
		if err != nil {
			return err
		}
		after := map[string]bool{}
		for k := range before {
			after[k] = true
		}
		var toAdd []gid.ID
		for _, id := range add {
			if !before[string(id)] {
				toAdd = append(toAdd, id)
				after[string(id)] = true
			}
		}
		var toRemove []gid.ID
		for _, id := range dedupe(in.RemoveWatcherIDs) {
			if before[string(id)] {
				toRemove = append(toRemove, id)
				delete(after, string(id))
			}
		}
		upd.AddWatcherIDs(toAdd...).RemoveWatcherIDs(toRemove...)
		ch.add("watchers", strPtr(sortedKeys(before)), strPtr(sortedKeys(after)))
	}
	return nil
}

// changeStatus sets the new status and its timestamps, and adds the time
// spent in the old status to the ticket's working or waiting total.
func changeStatus(t *ent.Ticket, to ticket.Status, upd *ent.TicketUpdateOne, ch *changeSet, now time.Time) {
	since := t.CreatedAt
	if t.StatusChangedAt != nil {
		since = *t.StatusChangedAt
	}
	before := workflow.TimeTotals{WorkingSeconds: t.WorkingSeconds, WaitingSeconds: t.WaitingSeconds}
	after := workflow.Accrue(before, t.Status, since, now)
	if after.WorkingSeconds != before.WorkingSeconds {
		upd.SetWorkingSeconds(after.WorkingSeconds)
		ch.add("workingSeconds", intText(before.WorkingSeconds), intText(after.WorkingSeconds))
	}
	if after.WaitingSeconds != before.WaitingSeconds {
		upd.SetWaitingSeconds(after.WaitingSeconds)
		ch.add("waitingSeconds", intText(before.WaitingSeconds), intText(after.WaitingSeconds))
	}
	upd.SetStatus(to).SetStatusChangedAt(now)
	ch.addString("status", string(t.Status), string(to))
	switch to {
	case ticket.StatusRESOLVED:
		upd.SetResolvedAt(now).SetResolutionSeconds(secondsSince(t.CreatedAt, now))
		ch.addTime("resolvedAt", t.ResolvedAt, &now)
	case ticket.StatusCLOSED:
		upd.SetClosedAt(now)
		ch.addTime("closedAt", t.ClosedAt, &now)
	}
	if t.Status == ticket.StatusRESOLVED && to != ticket.StatusCLOSED {
		upd.ClearResolvedAt().ClearResolutionSeconds()
		ch.addTime("resolvedAt", t.ResolvedAt, nil)
	}
}

// routeTeam picks the team for a new ticket: the explicit one, else the
// matching routing rule's, else as workflow.RouteTeam.
func (s *Service) routeTeam(ctx context.Context, tx *ent.Tx, explicit *gid.ID, path []*ent.Category, rule *workflow.Rule) (*gid.ID, error) {
	if explicit != nil {
		if err := checkTeam(ctx, tx, "input.teamID", *explicit); err != nil {
			return nil, err
		}
	}
	if explicit == nil && rule != nil && rule.TeamID != nil {
		return rule.TeamID, nil
	}
	return workflow.RouteTeam(explicit, categoryDefaults(path), func() (*gid.ID, error) {
		id, err := tx.Team.Query().Where(team.IsDefault(true)).FirstID(ctx)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("finding the default team: %w", err)
		}
		return &id, nil
	})
}

// pickSLAPolicy chooses the nearest category's policy, else the default
// one (see workflow.PickSLAPolicy).
// The default policy is found among the active ones (there is at most
// one default), which the SLA reactor reads too.
func (s *Service) pickSLAPolicy(ctx context.Context, tx *events.Tx, path []*ent.Category) (*gid.ID, error) {
	return workflow.PickSLAPolicy(categoryDefaults(path), func() (*gid.ID, error) {
		active, err := events.ActiveSLAPolicies(ctx, tx)
		if err != nil {
			return nil, fmt.Errorf("finding the default SLA policy: %w", err)
		}
		for _, p := range active {
			if p.IsDefault {
				return &p.ID, nil
			}
		}
		return nil, nil
	})
}

// categoryDefaults describes a loaded category path for the routing rules.
func categoryDefaults(path []*ent.Category) []workflow.CategoryDefaults {
	out := make([]workflow.CategoryDefaults, len(path))
	for i, c := range path {
		if t := c.Edges.DefaultTeam; t != nil {
			out[i].TeamID = &t.ID
		}
		if p := c.Edges.SLAPolicy; p != nil && p.Active {
			out[i].SLAPolicyID = &p.ID
		}
	}
	return out
}

func nearestPriority(path []*ent.Category) *schematype.Priority {
	for i := len(path) - 1; i >= 0; i-- {
		if p := path[i].DefaultPriority; p != nil {
			return p
		}
	}
	return nil
}

// categoryPath loads a category and its ancestors, root first, with the
// defaults they name.
func categoryPath(ctx context.Context, tx *ent.Tx, field string, id gid.ID) ([]*ent.Category, error) {
	return pathOf(field, id, func(id gid.ID) (*ent.Category, error) {
		return tx.Category.Query().Where(category.ID(id)).WithDefaultTeam().WithSLAPolicy().Only(ctx)
	})
}

// pathOf is categoryPath with the categories read by load.
func pathOf(field string, id gid.ID, load func(gid.ID) (*ent.Category, error)) ([]*ent.Category, error) {
	var path []*ent.Category
	next := &id
	for next != nil && len(path) < 3 {
		c, err := load(*next)
		if ent.IsNotFound(err) {
			return nil, apperr.Invalid(field, "no category with id %q", id)
		}
		if err != nil {
			return nil, fmt.Errorf("loading category: %w", err)
		}
		path = append([]*ent.Category{c}, path...)
		next = c.ParentID
	}
	return path, nil
}

func description(d *string) (string, error) {
	if d == nil {
		return "", nil
	}
	v := strings.TrimSpace(*d)
	if len([]rune(v)) > maxDescription {
		return "", apperr.Invalid("input.description", "must be at most %d characters", maxDescription)
	}
	return v, nil
}

func isTrue(b *bool) bool { return b != nil && *b }
