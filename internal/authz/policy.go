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
	// ActAssign gives a ticket to anyone, or to nobody (assignTicket);
	// ActClaim takes an unassigned ticket for oneself (claimTicket);
	// ActEscalate moves a ticket to its team's escalation team.
	// Transfers within a team are ActReassign.
	ActAssign   = "assign"
	ActClaim    = "claim"
	ActEscalate = "escalate"
	// ActRecompute rebuilds stored figures from the history
	// (recomputeTicketTimes); on ObjConfig, so administrators only.
	ActRecompute = "recompute"
	// ActSetSLAPolicy chooses a ticket's SLA policy explicitly
	// (setTicketSLAPolicy).
	ActSetSLAPolicy = "set_sla_policy"

	// RoleLead is the team-lead role, held in a team's domain.
	RoleLead = "LEAD"
	// RoleCustomer is the role of a customer's token.
	RoleCustomer = "CUSTOMER"
	// NoDomain is the domain of objects that belong to no team.
	NoDomain = "-"
)

// Conditions an agent's access to a ticket depends on. They are mirrored
// in SQL by TicketScope; the consistency test keeps the two in step.
const (
	condAgentRead  = "r.obj.Assigned || r.obj.Unassigned && r.obj.InMyTeam || r.obj.Watching || r.obj.Mentioned"
	condAgentWrite = "r.obj.Assigned || r.obj.Unassigned && r.obj.InMyTeam"
)

const condCustomer = "r.obj.Own && !r.obj.Internal"

// DefaultPolicy is installed into an empty rule table. Administrators may
// change it afterwards; the table, not this list, is then authoritative.
// Rules added in a later release go into defaultPolicyAdditions too, so
// that existing installations receive them once.
var DefaultPolicy = append(append(append([][]string{}, policyV2...), policyV3...), policyV4...)

// policyV2 is the default policy of version 2.
var policyV2 = [][]string{
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

	{RoleCustomer, ObjTicket, ActCreate, "true"},
	{RoleCustomer, ObjTicket, ActRead, condCustomer},
	{RoleCustomer, ObjTicket, ActComment, condCustomer},

	{"TICKETS_READ", ObjTicket, ActRead, "true"},
	{"TICKETS_WRITE", ObjTicket, "*", "true"},
	{"CUSTOMERS_READ", ObjCustomer, ActRead, "true"},
	{"CUSTOMERS_WRITE", ObjCustomer, "*", "true"},
}

// policyV3 adds the workflow's actions: leads assign within their team,
// claim their team's unassigned tickets and escalate its tickets; agents
// claim unassigned tickets of their teams and escalate those they work.
// Managers and administrators hold every ticket action already.
var policyV3 = [][]string{
	{RoleLead, ObjTicket, ActAssign, "r.obj.TargetInTeam"},
	{RoleLead, ObjTicket, ActClaim, "r.obj.Unassigned"},
	{RoleLead, ObjTicket, ActEscalate, "true"},
	{"AGENT", ObjTicket, ActClaim, "r.obj.Unassigned && r.obj.InMyTeam"},
	{"AGENT", ObjTicket, ActEscalate, condAgentWrite},
}

// policyV4 lets leads choose the SLA policy of their team's tickets;
// managers and administrators hold every ticket action already, agents
// and customers may not.
var policyV4 = [][]string{
	{RoleLead, ObjTicket, ActSetSLAPolicy, "true"},
}

// defaultPolicyAdditions lists, by policy version, the default rules added
// after the first release (version 1).
var defaultPolicyAdditions = map[int][][]string{
	2: policyV2[len(policyV2)-7:],
	3: policyV3,
	4: policyV4,
}

// DefaultPolicyVersion is the version of DefaultPolicy.
const DefaultPolicyVersion = 4
