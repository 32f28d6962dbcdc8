package demo

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // the office calendar needs Asia/Ho_Chi_Minh on hosts without zoneinfo.

	"helpdesk/ent/schematype"
	"helpdesk/internal/catalog"
)

// officeZone is where the demo helpdesk works.
const officeZone = "Asia/Ho_Chi_Minh"

// Names of the demo SLA policies, which categories refer to.
const (
	policyStandard   = "Standard"
	policyVIP        = "VIP"
	policyBackOffice = "Back office"
)

// loadSLAPolicies creates the office calendar and the SLA policies:
// Standard (the default, 24×7), VIP and Back office (both in office hours).
func (l *loader) loadSLAPolicies(ctx context.Context) error {
	var hours []schematype.WorkingHours
	for _, day := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"} {
		hours = append(hours, schematype.WorkingHours{Weekday: day, Start: "08:00", End: "17:30"})
	}
	cal, err := l.catalog.CreateBusinessCalendar(ctx, catalog.CreateBusinessCalendarInput{
		Name:        "Vietnam office hours",
		Timezone:    officeZone,
		WeeklyHours: hours,
		Holidays:    l.holidays(),
	})
	if err != nil {
		return err
	}
	l.calendarID = cal.ID

	yes := true
	policies := []catalog.CreateSLAPolicyInput{
		{
			Name:        policyStandard,
			Description: ptr("Default targets for every ticket, measured around the clock."),
			IsDefault:   &yes,
			Targets: []schematype.SLATarget{
				target(schematype.PriorityUrgent, 60, 120, 8*60),
				target(schematype.PriorityHigh, 4*60, 8*60, 24*60),
				target(schematype.PriorityMedium, 8*60, 24*60, 3*24*60),
				target(schematype.PriorityLow, 24*60, 48*60, 5*24*60),
			},
		},
		{
			Name:             policyVIP,
			Description:      ptr("Business customers and integrations: short targets in office hours, escalated on breach."),
			CalendarID:       &cal.ID,
			ReminderPercents: []int{50, 75, 90},
			BreachActions:    []string{"NOTIFY", "RAISE_PRIORITY", "ESCALATE"},
			Targets: []schematype.SLATarget{
				target(schematype.PriorityUrgent, 30, 60, 4*60),
				target(schematype.PriorityHigh, 60, 2*60, 8*60),
				target(schematype.PriorityMedium, 2*60, 4*60, 16*60),
				target(schematype.PriorityLow, 4*60, 8*60, 32*60),
			},
		},
		{
			Name:        policyBackOffice,
			Description: ptr("Invoices and contracts, handled by the back office in office hours."),
			CalendarID:  &cal.ID,
			Targets: []schematype.SLATarget{
				target(schematype.PriorityUrgent, 2*60, 4*60, 9*60),
				target(schematype.PriorityHigh, 4*60, 9*60, 2*9*60),
				target(schematype.PriorityMedium, 9*60, 2*9*60, 5*9*60),
				target(schematype.PriorityLow, 2*9*60, 3*9*60, 10*9*60),
			},
		},
	}
	for _, in := range policies {
		l.clock.Advance(7 * time.Minute)
		p, err := l.catalog.CreateSLAPolicy(ctx, in)
		if err != nil {
			return err
		}
		l.policies[p.Name] = p
		l.sum.SLAPolicies++
	}
	return nil
}

// holidays are Vietnam's fixed-date public holidays in the years the demo
// history touches and the next one.
func (l *loader) holidays() []string {
	var out []string
	for y := l.now.Year() - 1; y <= l.now.Year()+1; y++ {
		for _, md := range []string{"01-01", "04-30", "05-01", "09-02"} {
			out = append(out, fmt.Sprintf("%d-%s", y, md))
		}
	}
	return out
}

func target(p schematype.Priority, firstResponse, nextResponse, resolution int) schematype.SLATarget {
	return schematype.SLATarget{
		Priority:             p,
		FirstResponseMinutes: &firstResponse,
		NextResponseMinutes:  &nextResponse,
		ResolutionMinutes:    &resolution,
	}
}

// officeLocation is the office's time zone; the embedded zone database
// makes it always available, the fixed offset is a last resort.
func officeLocation() *time.Location {
	loc, err := time.LoadLocation(officeZone)
	if err != nil {
		return time.FixedZone("ICT", 7*60*60)
	}
	return loc
}

func ptr[T any](v T) *T { return &v }
