package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
)

// customerCount is how many customers the demo has.
const customerCount = 200

// demoCustomer is a created customer and what its tickets need to know.
type demoCustomer struct {
	id        gid.ID
	name      string
	firstName string // how agents greet them
	vi        bool   // usually writes in Vietnamese
	th        bool   // writes in Thai
	facebook  bool   // has a Facebook page-scoped id
	chat      bool   // has a chat widget visitor id
}

// loadCustomers creates the customers, dated over the months before the
// ticket history starts.
func (l *loader) loadCustomers(ctx context.Context) error {
	used := map[string]bool{}
	step := (setupAge - historyDays*24*time.Hour) / (customerCount + 1)
	for i := range customerCount {
		l.clock.Advance(step)
		in, c := l.customerInput(i, used)
		created, err := l.directory.CreateCustomer(ctx, in)
		if err != nil {
			return err
		}
		c.id = created.ID
		l.customers = append(l.customers, c)
		l.sum.Customers++
	}
	return nil
}

// customerInput makes up the i-th customer: about two in three have a
// Vietnamese name and a few a Thai one, a third work for an organization (and write from its
// domain), some have a phone, a second address, a Facebook or chat id.
func (l *loader) customerInput(i int, used map[string]bool) (directory.CreateCustomerInput, *demoCustomer) {
	r := l.rng
	c := &demoCustomer{vi: r.IntN(100) < 68}
	var local string
	if c.vi {
		family := vietFamilies[r.IntN(len(vietFamilies))]
		given := vietGivens[r.IntN(len(vietGivens))]
		c.name = family.text + " " + vietMiddles[r.IntN(len(vietMiddles))] + " " + given.text
		c.firstName = given.text
		local = given.ascii + "." + family.ascii
		if r.IntN(2) == 0 {
			local = family.ascii + given.ascii
		}
	} else if c.th = r.IntN(100) < 22; c.th {
		first, last := thaiFirsts[r.IntN(len(thaiFirsts))], thaiLasts[r.IntN(len(thaiLasts))]
		c.name = first.text + " " + last.text
		c.firstName = first.text
		local = first.ascii + "." + last.ascii[:1]
	} else {
		first, last := englishFirsts[r.IntN(len(englishFirsts))], englishLasts[r.IntN(len(englishLasts))]
		c.name = first + " " + last
		c.firstName = first
		local = strings.ToLower(first + "." + last)
	}
	in := directory.CreateCustomerInput{Name: c.name}
	domain := mailDomains[r.IntN(len(mailDomains))]
	if r.IntN(100) < 33 {
		org := organizations[r.IntN(len(organizations))]
		in.Organization = ptr(org.name)
		domain = org.domain
	}
	in.Email = ptr(uniqueEmail(local, domain, r.IntN(90)+10, used))
	if r.IntN(100) < 12 {
		in.Emails = []string{uniqueEmail(local, mailDomains[r.IntN(len(mailDomains))], r.IntN(900)+100, used)}
	}
	if r.IntN(100) < 60 {
		switch {
		case c.vi:
			in.Phone = ptr(fmt.Sprintf("+84 9%d %03d %04d", r.IntN(10), r.IntN(1000), r.IntN(10000)))
		case c.th:
			in.Phone = ptr(fmt.Sprintf("+66 8%d %03d %04d", r.IntN(10), r.IntN(1000), r.IntN(10000)))
		default:
			in.Phone = ptr(fmt.Sprintf("+1 415 555 %04d", r.IntN(10000)))
		}
	}
	external := map[string]any{}
	if r.IntN(100) < 40 {
		c.facebook = true
		external["FACEBOOK"] = fmt.Sprintf("%d%015d", 1+r.IntN(9), r.Int64N(1e15))
	}
	if r.IntN(100) < 25 {
		c.chat = true
		external["CHAT"] = fmt.Sprintf("visitor-%08x", r.Uint32())
	}
	if len(external) > 0 {
		in.ExternalIDs = external
	}
	if r.IntN(100) < 8 {
		in.Notes = ptr(customerNotes[r.IntN(len(customerNotes))])
	}
	custom := map[string]any{"customerNumber": fmt.Sprintf("KH%05d", 10001+i)}
	switch {
	case c.vi:
		custom["language"] = "vi"
	case c.th:
		custom["language"] = "th"
	default:
		custom["language"] = "en"
	}
	if r.IntN(100) < 15 {
		custom["tier"] = "gold"
	}
	in.CustomFields = custom
	return in, c
}

// uniqueEmail returns local@domain, or with a number appended when that
// address is taken already.
func uniqueEmail(local, domain string, n int, used map[string]bool) string {
	email := local + "@" + domain
	for used[email] {
		email = fmt.Sprintf("%s%d@%s", local, n, domain)
		n++
	}
	used[email] = true
	return email
}
