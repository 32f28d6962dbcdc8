package directory

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
)

// CreateAgentInput is a new staff account.
type CreateAgentInput struct {
	Name     string
	Email    string
	Password string
	Role     *agent.Role
	Capacity *int
	Timezone *string
}

// UpdateAgentInput lists the fields to change; nil means unchanged.
type UpdateAgentInput struct {
	Name     *string
	Role     *agent.Role
	Capacity *int
	Timezone *string
	Active   *bool
	Password *string

	onlyIfRole *agent.Role
}

const maxCapacity = 1000

// CreateAgent adds a staff account with a hashed password. Emails are
// unique: a second account with the same email is a CONFLICT.
func (s *Service) CreateAgent(ctx context.Context, in CreateAgentInput) (*ent.Agent, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	name, err := input.Text("input.name", in.Name, 200)
	if err != nil {
		return nil, err
	}
	email, err := input.Email("input.email", in.Email)
	if err != nil {
		return nil, err
	}
	hash, err := passwordHash("input.password", in.Password, s.PasswordCost)
	if err != nil {
		return nil, err
	}
	role := agent.RoleAGENT
	if in.Role != nil {
		if err := agent.RoleValidator(*in.Role); err != nil {
			return nil, apperr.Invalid("input.role", "%q is not a valid role", *in.Role)
		}
		role = *in.Role
	}
	capacity := 10
	if in.Capacity != nil {
		if capacity, err = checkCapacity(*in.Capacity); err != nil {
			return nil, err
		}
	}
	tz := "UTC"
	if in.Timezone != nil {
		if tz, err = input.TimeZone("input.timezone", *in.Timezone); err != nil {
			return nil, err
		}
	}
	var created *ent.Agent
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		taken, err := tx.Agent.Query().Where(agent.Email(email)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("checking email: %w", err)
		}
		if taken {
			return apperr.Conflict("an agent with email %q already exists", email)
		}
		now := s.Now().UTC()
		created, err = tx.Agent.Create().
			SetName(name).SetEmail(email).SetPasswordHash(hash).
			SetRole(role).SetCapacity(capacity).SetTimezone(tz).
			SetCreatedAt(now).SetUpdatedAt(now).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("creating agent: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created.Unwrap(), nil
}

// UpdateAgent changes an agent's account.
func (s *Service) UpdateAgent(ctx context.Context, id gid.ID, in UpdateAgentInput) (*ent.Agent, error) {
	if _, err := s.Authz.CheckConfig(ctx, authz.ActWrite, authz.ObjConfig); err != nil {
		return nil, err
	}
	in.onlyIfRole = nil
	return s.updateAgent(ctx, id, in)
}

// updateAgent applies in to the agent in one transaction; with onlyIfRole
// set, an agent holding another role is returned unchanged.
func (s *Service) updateAgent(ctx context.Context, id gid.ID, in UpdateAgentInput) (*ent.Agent, error) {
	var updated *ent.Agent
	err := s.withQueue(ctx, func(tx *ent.Tx, q *queueWork) error {
		a, err := tx.Agent.Query().Where(agent.ID(id)).Only(ctx)
		if ent.IsNotFound(err) {
			return apperr.NotFound("no agent with id %q", id)
		}
		if err != nil {
			return fmt.Errorf("loading agent: %w", err)
		}
		if in.onlyIfRole != nil && a.Role != *in.onlyIfRole {
			updated = a
			return nil
		}
		upd := tx.Agent.UpdateOneID(id)
		if err := s.applyAgentFields(in, upd); err != nil {
			return err
		}
		if (in.Role != nil && *in.Role != agent.RoleADMIN) || (in.Active != nil && !*in.Active) {
			if err := s.keepAnAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		updated, err = upd.SetUpdatedAt(s.Now().UTC()).Save(ctx)
		if err != nil {
			return fmt.Errorf("updating agent: %w", err)
		}
		if updated.Capacity > a.Capacity || updated.Active && !a.Active {
			q.mayBeFree = append(q.mayBeFree, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return updated.Unwrap(), nil
}

func (s *Service) applyAgentFields(in UpdateAgentInput, upd *ent.AgentUpdateOne) error {
	if in.Name != nil {
		name, err := input.Text("input.name", *in.Name, 200)
		if err != nil {
			return err
		}
		upd.SetName(name)
	}
	if in.Role != nil {
		if err := agent.RoleValidator(*in.Role); err != nil {
			return apperr.Invalid("input.role", "%q is not a valid role", *in.Role)
		}
		upd.SetRole(*in.Role)
	}
	if in.Capacity != nil {
		c, err := checkCapacity(*in.Capacity)
		if err != nil {
			return err
		}
		upd.SetCapacity(c)
	}
	if in.Timezone != nil {
		tz, err := input.TimeZone("input.timezone", *in.Timezone)
		if err != nil {
			return err
		}
		upd.SetTimezone(tz)
	}
	// A new password or a deactivation signs the agent out everywhere:
	// tokens issued before carry the old token generation. (A reactivated
	// agent must therefore log in again.)
	if in.Active != nil {
		upd.SetActive(*in.Active)
		if !*in.Active {
			upd.AddTokenGeneration(1)
		}
	}
	if in.Password != nil {
		hash, err := passwordHash("input.password", *in.Password, s.PasswordCost)
		if err != nil {
			return err
		}
		upd.SetPasswordHash(hash).AddTokenGeneration(1)
	}
	return nil
}

// SignOutEverywhere refuses every login token issued to the agent so far,
// by raising the agent's token generation; the agent must log in again.
// API tokens are not affected (they are revoked one by one).
func (s *Service) SignOutEverywhere(ctx context.Context, id gid.ID) (*ent.Agent, error) {
	if _, err := s.Authz.CheckSelfOrConfig(ctx, string(id)); err != nil {
		return nil, err
	}
	a, err := s.Client.Agent.UpdateOneID(id).
		AddTokenGeneration(1).
		SetUpdatedAt(s.Now().UTC()).
		Save(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("no agent with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("signing the agent out: %w", err)
	}
	return a, nil
}

// SetAvailability sets whether an agent is ONLINE, AWAY or OFFLINE.
func (s *Service) SetAvailability(ctx context.Context, id gid.ID, availability agent.Availability) (*ent.Agent, error) {
	if _, err := s.Authz.CheckSelfOrConfig(ctx, string(id)); err != nil {
		return nil, err
	}
	if err := agent.AvailabilityValidator(availability); err != nil {
		return nil, apperr.Invalid("availability", "%q is not a valid availability", availability)
	}
	var a *ent.Agent
	err := s.withQueue(ctx, func(tx *ent.Tx, q *queueWork) error {
		var err error
		a, err = tx.Agent.UpdateOneID(id).
			SetAvailability(availability).
			SetUpdatedAt(s.Now().UTC()).
			Save(ctx)
		if ent.IsNotFound(err) {
			return apperr.NotFound("no agent with id %q", id)
		}
		if err != nil {
			return fmt.Errorf("setting availability: %w", err)
		}
		switch availability {
		case agent.AvailabilityONLINE:
			q.mayBeFree = append(q.mayBeFree, id)
		case agent.AvailabilityOFFLINE:
			q.offline = append(q.offline, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a.Unwrap(), nil
}

// keepAnAdmin refuses to demote or deactivate the last active administrator,
// which would leave nobody able to manage the helpdesk. On PostgreSQL it
// locks the active administrators' rows, so two administrators demoting
// each other at once cannot both succeed.
func (s *Service) keepAnAdmin(ctx context.Context, tx *ent.Tx, id gid.ID) error {
	q := tx.Agent.Query().Where(agent.RoleEQ(agent.RoleADMIN), agent.Active(true))
	if s.Dialect == dialect.Postgres {
		q = q.ForUpdate()
	}
	admins, err := q.IDs(ctx)
	if err != nil {
		return fmt.Errorf("counting administrators: %w", err)
	}
	others := 0
	for _, a := range admins {
		if a != id {
			others++
		}
	}
	if others == 0 {
		isAdmin := len(admins) > 0
		if isAdmin {
			return apperr.Conflict("this is the last active administrator; make another agent ADMIN first")
		}
	}
	return nil
}

func passwordHash(field, password string, cost int) (string, error) {
	if len([]rune(password)) < auth.MinPasswordLength {
		return "", apperr.Invalid(field, "must be at least %d characters", auth.MinPasswordLength)
	}
	if len(password) > 72 {
		return "", apperr.Invalid(field, "must be at most 72 bytes")
	}
	return auth.HashPassword(password, cost)
}

func checkCapacity(c int) (int, error) {
	if c < 0 || c > maxCapacity {
		return 0, apperr.Invalid("input.capacity", "must be between 0 and %d", maxCapacity)
	}
	return c, nil
}
