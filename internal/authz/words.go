package authz

// actionWords says, in the API's words, what a denied request tried to
// do, for FORBIDDEN messages: policy objects and actions are internal
// names that clients do not know.
func actionWords(act string, obj Resource) string {
	switch obj.Type {
	case ObjTicket:
		switch act {
		case ActRead:
			return "read this ticket"
		case ActCreate:
			return "create tickets"
		case ActWrite:
			return "change this ticket"
		case ActComment:
			return "comment on this ticket"
		case ActReassign:
			if !obj.TargetInTeam {
				return "assign this ticket to an agent outside its team"
			}
			return "assign or unassign this ticket"
		case ActAssign:
			if !obj.TargetInTeam {
				return "assign this ticket to an agent outside its team"
			}
			return "assign or unassign this ticket (leads and managers)"
		case ActClaim:
			if !obj.Unassigned {
				return "claim a ticket that is already assigned"
			}
			return "claim this ticket (it is not in one of your teams)"
		case ActEscalate:
			return "escalate this ticket"
		case ActSetSLAPolicy:
			return "choose this ticket's SLA policy (leads of its team, managers and administrators)"
		}
	case ObjCustomer:
		if act == ActRead {
			return "read customers"
		}
		return "create or change customers"
	case ObjConfig:
		if act == ActRecompute {
			return "recompute ticket times (administrators only)"
		}
		if act == ActRead {
			return "read teams, agents, categories, calendars or SLA policies"
		}
		return "change teams, agents, categories, calendars or SLA policies"
	case ObjRoles:
		if act == ActRead {
			return "read role assignments"
		}
		return "grant or revoke roles"
	}
	return "do this"
}
