package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/businesscalendar"
	"helpdesk/ent/schematype"
	"helpdesk/ent/slapolicy"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
	"helpdesk/internal/store"
)

// CreateBusinessCalendarInput is a new business calendar.
type CreateBusinessCalendarInput struct {
	Name        string
	Timezone    string
	WeeklyHours []schematype.WorkingHours
	Holidays    []string
}

// CreateSLAPolicyInput is a new SLA policy.
type CreateSLAPolicyInput struct {
	Name             string
	Description      *string
	CalendarID       *gid.ID
	Targets          []schematype.SLATarget
	ReminderPercents []int
	BreachActions    []string
	IsDefault        *bool
	// Conditions choose the policy for matching tickets, tried by
	// ascending Position.
	Conditions *schematype.SLAConditions
	Position   *int
}

var weekdays = []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}

// maxTargetMinutes bounds a target to a year.
const maxTargetMinutes = 365 * 24 * 60

// CreateBusinessCalendar adds a calendar after checking its time zone, its
// opening hours (HH:MM, end after start, no overlaps within a day) and its
// holidays (YYYY-MM-DD).
func (s *Service) CreateBusinessCalendar(ctx context.Context, in CreateBusinessCalendarInput) (*ent.BusinessCalendar, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	name, err := input.Text("input.name", in.Name, 200)
	if err != nil {
		return nil, err
	}
	tz, err := input.TimeZone("input.timezone", in.Timezone)
	if err != nil {
		return nil, err
	}
	hours, err := CheckWeeklyHours(in.WeeklyHours)
	if err != nil {
		return nil, err
	}
	holidays := []string{}
	for i, h := range in.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			return nil, apperr.Invalid(fmt.Sprintf("input.holidays[%d]", i), "%q is not a date (YYYY-MM-DD)", h)
		}
		if !slices.Contains(holidays, h) {
			holidays = append(holidays, h)
		}
	}
	slices.Sort(holidays)
	var created *ent.BusinessCalendar
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		taken, err := tx.BusinessCalendar.Query().Where(businesscalendar.NameEqualFold(name)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("checking calendar name: %w", err)
		}
		if taken {
			return apperr.Conflict("a business calendar named %q already exists", name)
		}
		now := s.Now().UTC()
		created, err = tx.BusinessCalendar.Create().
			SetName(name).SetTimezone(tz).SetWeeklyHours(hours).SetHolidays(holidays).
			SetCreatedAt(now).SetUpdatedAt(now).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("creating business calendar: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created.Unwrap(), nil
}

// CheckWeeklyHours validates opening intervals and returns them with the
// weekday names upper-cased.
func CheckWeeklyHours(hours []schematype.WorkingHours) ([]schematype.WorkingHours, error) {
	out := make([]schematype.WorkingHours, 0, len(hours))
	for i, h := range hours {
		field := fmt.Sprintf("input.weeklyHours[%d]", i)
		h.Weekday = strings.ToUpper(strings.TrimSpace(h.Weekday))
		if !slices.Contains(weekdays, h.Weekday) {
			return nil, apperr.Invalid(field+".weekday", "%q is not a weekday (MONDAY … SUNDAY)", h.Weekday)
		}
		start, err := clock(field+".start", h.Start)
		if err != nil {
			return nil, err
		}
		end, err := clock(field+".end", h.End)
		if err != nil {
			return nil, err
		}
		if end == start {
			return nil, apperr.Invalid(field+".end", "must differ from start (an end before the start is an overnight shift)")
		}
		if end < start {
			end += 24 * 60 // an overnight shift, ending the next morning
		}
		for _, o := range out {
			if o.Weekday != h.Weekday {
				continue
			}
			os, _ := clock("", o.Start)
			oe, _ := clock("", o.End)
			if oe <= os {
				oe += 24 * 60
			}
			if start < oe && os < end {
				return nil, apperr.Invalid(field, "overlaps %s %s–%s", o.Weekday, o.Start, o.End)
			}
		}
		out = append(out, h)
	}
	return out, nil
}

// clock parses "HH:MM" (24:00 allowed as an end) into minutes of the day.
func clock(field, s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, apperr.Invalid(field, "%q is not a time of day (HH:MM)", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, apperr.Invalid(field, "%q is not a time of day (HH:MM)", s)
	}
	return h*60 + m, nil
}

// CreateSLAPolicy adds an SLA policy. Each priority has at most one set of
// targets, every target is positive, and reminders are ascending
// percentages below 100. Marking it default unmarks the previous default.
func (s *Service) CreateSLAPolicy(ctx context.Context, in CreateSLAPolicyInput) (*ent.SLAPolicy, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	name, err := input.Text("input.name", in.Name, 200)
	if err != nil {
		return nil, err
	}
	targets, err := CheckTargets(in.Targets)
	if err != nil {
		return nil, err
	}
	reminders := []int{75, 90}
	if in.ReminderPercents != nil {
		if reminders, err = CheckReminders(in.ReminderPercents); err != nil {
			return nil, err
		}
	}
	actions := []string{"NOTIFY"}
	if in.BreachActions != nil {
		actions = dedupeStrings(in.BreachActions)
	}
	var conditions schematype.SLAConditions
	if in.Conditions != nil {
		if conditions, err = CheckConditions("input.conditions", *in.Conditions); err != nil {
			return nil, err
		}
	}
	position := 0
	if in.Position != nil {
		position = *in.Position
	}
	var created *ent.SLAPolicy
	err = store.Transact(ctx, s.Client, func(tx *ent.Tx, sqlTx *sql.Tx) error {
		taken, err := tx.SLAPolicy.Query().Where(slapolicy.NameEqualFold(name)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("checking SLA policy name: %w", err)
		}
		if taken {
			return apperr.Conflict("an SLA policy named %q already exists", name)
		}
		if in.CalendarID != nil {
			ok, err := tx.BusinessCalendar.Query().Where(businesscalendar.ID(*in.CalendarID)).Exist(ctx)
			if err != nil {
				return fmt.Errorf("checking calendar: %w", err)
			}
			if !ok {
				return apperr.Invalid("input.calendarID", "no business calendar with this id")
			}
		}
		isDefault := in.IsDefault != nil && *in.IsDefault
		if isDefault {
			if err := tx.SLAPolicy.Update().Where(slapolicy.IsDefault(true)).SetIsDefault(false).Exec(ctx); err != nil {
				return fmt.Errorf("unmarking default SLA policy: %w", err)
			}
		}
		now := s.Now().UTC()
		created, err = tx.SLAPolicy.Create().
			SetName(name).
			SetDescription(derefString(in.Description)).
			SetNillableCalendarID(in.CalendarID).
			SetTargets(targets).
			SetReminderPercents(reminders).
			SetBreachActions(actions).
			SetConditions(conditions).
			SetPosition(position).
			SetIsDefault(isDefault).
			SetCreatedAt(now).SetUpdatedAt(now).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("creating SLA policy: %w", err)
		}
		// A policy without conditions that is not the default is chosen
		// only explicitly or through a category: it changes no ticket yet.
		if !conditions.Empty() || isDefault {
			return s.slaChoiceChanged(ctx, tx, sqlTx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created.Unwrap(), nil
}

// CheckTargets validates SLA targets and returns them most urgent first.
func CheckTargets(targets []schematype.SLATarget) ([]schematype.SLATarget, error) {
	if len(targets) == 0 {
		return nil, apperr.Invalid("input.targets", "at least one priority needs targets")
	}
	seen := map[schematype.Priority]bool{}
	for i, t := range targets {
		field := fmt.Sprintf("input.targets[%d]", i)
		if !t.Priority.Valid() {
			return nil, apperr.Invalid(field+".priority", "%q is not a valid priority", t.Priority)
		}
		if seen[t.Priority] {
			return nil, apperr.Invalid(field+".priority", "%s has targets already", t.Priority)
		}
		seen[t.Priority] = true
		for name, v := range map[string]*int{
			"firstResponseMinutes": t.FirstResponseMinutes,
			"nextResponseMinutes":  t.NextResponseMinutes,
			"resolutionMinutes":    t.ResolutionMinutes,
		} {
			if v != nil && (*v <= 0 || *v > maxTargetMinutes) {
				return nil, apperr.Invalid(field+"."+name, "must be between 1 and %d minutes", maxTargetMinutes)
			}
		}
		if t.FirstResponseMinutes == nil && t.NextResponseMinutes == nil && t.ResolutionMinutes == nil {
			return nil, apperr.Invalid(field, "sets no target")
		}
	}
	out := slices.Clone(targets)
	slices.SortFunc(out, func(a, b schematype.SLATarget) int { return a.Priority.Rank() - b.Priority.Rank() })
	return out, nil
}

// CheckReminders validates reminder levels and returns them ascending,
// without duplicates.
func CheckReminders(percents []int) ([]int, error) {
	out := slices.Clone(percents)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, p := range out {
		if p <= 0 || p >= 100 {
			return nil, apperr.Invalid("input.reminderPercents", "percentages must be between 1 and 99 (100 is the breach)")
		}
	}
	return out, nil
}

func dedupeStrings(in []string) []string {
	out := []string{}
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// CheckConditions validates policy conditions: known priorities and
// channels, ids of the right kind; lists are deduplicated.
func CheckConditions(field string, c schematype.SLAConditions) (schematype.SLAConditions, error) {
	for i, p := range c.Priorities {
		if !p.Valid() {
			return c, apperr.Invalid(fmt.Sprintf("%s.priorities[%d]", field, i), "%q is not a valid priority", p)
		}
	}
	for i, ch := range c.Channels {
		if err := ticket.ChannelValidator(ticket.Channel(ch)); err != nil {
			return c, apperr.Invalid(fmt.Sprintf("%s.channels[%d]", field, i), "%q is not a valid channel", ch)
		}
	}
	for _, ids := range []struct {
		name   string
		list   []gid.ID
		prefix string
	}{{"categoryIDs", c.CategoryIDs, gid.Category}, {"customerIDs", c.CustomerIDs, gid.Customer}, {"teamIDs", c.TeamIDs, gid.Team}} {
		for i, id := range ids.list {
			if !id.Valid(ids.prefix) {
				return c, apperr.Invalid(fmt.Sprintf("%s.%s[%d]", field, ids.name, i), "%q is not a %s id", id, ids.prefix)
			}
		}
	}
	for i, o := range c.Organizations {
		if strings.TrimSpace(o) == "" {
			return c, apperr.Invalid(fmt.Sprintf("%s.organizations[%d]", field, i), "must not be empty")
		}
	}
	c.Priorities = slices.Compact(slices.Clone(c.Priorities))
	c.Channels = dedupeStrings(c.Channels)
	c.Organizations = dedupeStrings(c.Organizations)
	return c, nil
}
