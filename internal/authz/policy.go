package authz

// Object types and actions named in policies.
const (
	ObjTicket   = "ticket"
	ObjCustomer = "customer"
	ObjConfig   = "config" // teams, categories, calendars, SLA policies, agents
	ObjRoles    = "roles"

	ActRead     = "read"
	ActCreate   = "create"
	ActWrite    = "write"
	ActComment  = "comment"
	ActReassign = "reassign"

	// RoleLead is the team-lead role, held in a team's domain.
	RoleLead = "LEAD"
	// NoDomain is the domain of objects that belong to no team.
	NoDomain = "-"
)

// Conditions an agent's access to a ticket depends on. They are mirrored
// in SQL by TicketScope; the consistency test keeps the two in step.
const (
	condAgentRead  = "r.obj.Assigned || r.obj.Unassigned && r.obj.InMyTeam || r.obj.Watching || r.obj.Mentioned"
	condAgentWrite = "r.obj.Assigned || r.obj.Unassigned && r.obj.InMyTeam"
)

// DefaultPolicy is installed into an empty rule table. Administrators may
// change it afterwards; the table, not this list, is then authoritative.
var DefaultPolicy = [][]string{
	{"ADMIN", ObjTicket, "*", "true"},
	{"ADMIN", ObjCustomer, "*", "true"},
	{"ADMIN", ObjConfig, "*", "true"},
	{"ADMIN", ObjRoles, "*", "true"},

	{"MANAGER", ObjTicket, "*", "true"},
	{"MANAGER", ObjCustomer, "*", "true"},
	{"MANAGER", ObjConfig, ActRead, "true"},

	{RoleLead, ObjTicket, ActRead, "true"},
	{RoleLead, ObjTicket, ActWrite, "true"},
	{RoleLead, ObjTicket, ActComment, "true"},
	{RoleLead, ObjTicket, ActReassign, "r.obj.TargetInTeam"},

	{"AGENT", ObjTicket, ActCreate, "true"},
	{"AGENT", ObjTicket, ActRead, condAgentRead},
	{"AGENT", ObjTicket, ActComment, condAgentRead},
	{"AGENT", ObjTicket, ActWrite, condAgentWrite},
	{"AGENT", ObjTicket, ActReassign, "(" + condAgentWrite + ") && r.obj.TargetInTeam"},
	{"AGENT", ObjCustomer, "*", "true"},
	{"AGENT", ObjConfig, ActRead, "true"},
}
