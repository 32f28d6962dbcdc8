package directory

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqljson"

	"helpdesk/ent"
	"helpdesk/ent/customer"
	"helpdesk/ent/predicate"
	"helpdesk/internal/apperr"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
)

// CreateCustomerInput is a new customer.
type CreateCustomerInput struct {
	Name         string
	Email        *string
	Emails       []string
	Phone        *string
	Organization *string
	ExternalIDs  map[string]any
	CustomFields map[string]any
	Notes        *string
}

// UpdateCustomerInput lists the fields to change; nil means unchanged and
// an empty string clears an optional field.
type UpdateCustomerInput struct {
	Name         *string
	Email        *string
	Emails       []string
	Phone        *string
	Organization *string
	ExternalIDs  map[string]any
	CustomFields map[string]any
	Notes        *string
}

// CreateCustomer adds a customer. Every email address belongs to one
// customer only: an address already on file is a CONFLICT.
func (s *Service) CreateCustomer(ctx context.Context, in CreateCustomerInput) (*ent.Customer, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjCustomer); err != nil {
		return nil, err
	}
	name, err := input.Text("input.name", in.Name, 200)
	if err != nil {
		return nil, err
	}
	primary, emails, err := customerEmails(in.Email, in.Emails)
	if err != nil {
		return nil, err
	}
	phone, org, err := phoneAndOrganization(in.Phone, in.Organization)
	if err != nil {
		return nil, err
	}
	external, err := externalIDs(in.ExternalIDs)
	if err != nil {
		return nil, err
	}
	custom, err := input.Map("input.customFields", in.CustomFields)
	if err != nil {
		return nil, err
	}
	notes, err := customerNotes(in.Notes)
	if err != nil {
		return nil, err
	}
	var created *ent.Customer
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		if err := emailsFree(ctx, tx, "", emails); err != nil {
			return err
		}
		now := s.Now().UTC()
		created, err = tx.Customer.Create().
			SetName(name).
			SetNillableEmail(primary).
			SetEmails(emails).
			SetNillablePhone(phone).
			SetNillableOrganization(org).
			SetExternalIds(external).
			SetCustomFields(custom).
			SetNotes(notes).
			SetCreatedAt(now).
			SetUpdatedAt(now).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("creating customer: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created.Unwrap(), nil
}

// UpdateCustomer changes a customer's details.
func (s *Service) UpdateCustomer(ctx context.Context, id gid.ID, in UpdateCustomerInput) (*ent.Customer, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjCustomer); err != nil {
		return nil, err
	}
	var updated *ent.Customer
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		c, err := tx.Customer.Get(ctx, id)
		if ent.IsNotFound(err) {
			return apperr.NotFound("no customer with id %q", id)
		}
		if err != nil {
			return fmt.Errorf("loading customer: %w", err)
		}
		upd := tx.Customer.UpdateOne(c).SetUpdatedAt(s.Now().UTC())
		if in.Name != nil {
			name, err := input.Text("input.name", *in.Name, 200)
			if err != nil {
				return err
			}
			upd.SetName(name)
		}
		if in.Email != nil || in.Emails != nil {
			email, others := in.Email, in.Emails
			if email == nil {
				email = c.Email
			}
			if others == nil && len(c.Emails) > 0 {
				others = c.Emails[1:]
				if c.Email == nil {
					others = c.Emails
				}
			}
			primary, emails, err := customerEmails(email, others)
			if err != nil {
				return err
			}
			if err := emailsFree(ctx, tx, id, emails); err != nil {
				return err
			}
			upd.SetEmails(emails)
			if primary == nil {
				upd.ClearEmail()
			} else {
				upd.SetEmail(*primary)
			}
		}
		if in.Phone != nil || in.Organization != nil {
			phone, org, err := phoneAndOrganization(in.Phone, in.Organization)
			if err != nil {
				return err
			}
			if in.Phone != nil {
				if phone == nil {
					upd.ClearPhone()
				} else {
					upd.SetPhone(*phone)
				}
			}
			if in.Organization != nil {
				if org == nil {
					upd.ClearOrganization()
				} else {
					upd.SetOrganization(*org)
				}
			}
		}
		if in.ExternalIDs != nil {
			external, err := externalIDs(in.ExternalIDs)
			if err != nil {
				return err
			}
			upd.SetExternalIds(external)
		}
		if in.CustomFields != nil {
			custom, err := input.Map("input.customFields", in.CustomFields)
			if err != nil {
				return err
			}
			upd.SetCustomFields(custom)
		}
		if in.Notes != nil {
			notes, err := customerNotes(in.Notes)
			if err != nil {
				return err
			}
			upd.SetNotes(notes)
		}
		updated, err = upd.Save(ctx)
		if err != nil {
			return fmt.Errorf("updating customer: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return updated.Unwrap(), nil
}

// customerEmails validates the primary address and the others, and returns
// the primary one and the full list (primary first, no duplicates).
func customerEmails(primary *string, others []string) (*string, []string, error) {
	if err := input.Items("input.emails", len(others), maxCustomerEmails); err != nil {
		return nil, nil, err
	}
	emails := []string{}
	var first *string
	if primary != nil && *primary != "" {
		e, err := input.Email("input.email", *primary)
		if err != nil {
			return nil, nil, err
		}
		first = &e
		emails = append(emails, e)
	}
	for i, o := range others {
		e, err := input.Email(fmt.Sprintf("input.emails[%d]", i), o)
		if err != nil {
			return nil, nil, err
		}
		if !slices.Contains(emails, e) {
			emails = append(emails, e)
		}
	}
	return first, emails, nil
}

// emailsFree checks that no other customer uses any of the addresses.
func emailsFree(ctx context.Context, tx *ent.Tx, self gid.ID, emails []string) error {
	if len(emails) == 0 {
		return nil
	}
	var matches []predicate.Customer
	for _, e := range emails {
		matches = append(matches, customer.Email(e), emailsContain(e))
	}
	q := tx.Customer.Query().Where(customer.Or(matches...))
	if self != "" {
		q = q.Where(customer.IDNEQ(self))
	}
	other, err := q.First(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking email addresses: %w", err)
	}
	return apperr.Conflict("an email address is already on file for customer %q (%s)", other.Name, other.ID)
}

// emailsContain matches customers whose emails list holds the address.
func emailsContain(email string) predicate.Customer {
	return func(s *sql.Selector) {
		s.Where(sqljson.ValueContains(s.C(customer.FieldEmails), email))
	}
}

func phoneAndOrganization(phone, org *string) (*string, *string, error) {
	var p, o *string
	var err error
	if phone != nil {
		if p, err = input.OptionalText("input.phone", *phone, 40); err != nil {
			return nil, nil, err
		}
	}
	if org != nil {
		if o, err = input.OptionalText("input.organization", *org, 200); err != nil {
			return nil, nil, err
		}
	}
	return p, o, nil
}

// Bounds on a customer's free-form details.
const (
	maxCustomerEmails = 20
	maxCustomerNotes  = 10_000
)

func customerNotes(notes *string) (string, error) {
	if notes == nil {
		return "", nil
	}
	v, err := input.OptionalText("input.notes", *notes, maxCustomerNotes)
	if err != nil || v == nil {
		return "", err
	}
	return *v, nil
}

// externalIDs checks that every channel's id is a non-empty string.
func externalIDs(m map[string]any) (map[string]string, error) {
	if _, err := input.Map("input.externalIDs", m); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range m {
		s, ok := v.(string)
		if !ok || s == "" || k == "" {
			return nil, apperr.Invalid("input.externalIDs", "must map channel names to non-empty string ids")
		}
		out[k] = s
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
