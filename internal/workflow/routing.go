package workflow

import "helpdesk/internal/gid"

// CategoryDefaults is what one category of a ticket's category path
// names for the tickets filed under it.
type CategoryDefaults struct {
	TeamID *gid.ID
	// SLAPolicyID is the category's policy, if it is active.
	SLAPolicyID *gid.ID
}

// RouteTeam picks a new ticket's team: the explicit one, else the team of
// the nearest category on its path (root first) that names one, else the
// default team (nil when there is none).
func RouteTeam(explicit *gid.ID, path []CategoryDefaults, defaultTeam func() (*gid.ID, error)) (*gid.ID, error) {
	if explicit != nil {
		return explicit, nil
	}
	for i := len(path) - 1; i >= 0; i-- {
		if path[i].TeamID != nil {
			return path[i].TeamID, nil
		}
	}
	return defaultTeam()
}

// PickSLAPolicy picks a new ticket's SLA policy: the nearest category's
// active policy, else the default policy (nil when there is none).
func PickSLAPolicy(path []CategoryDefaults, defaultPolicy func() (*gid.ID, error)) (*gid.ID, error) {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i].SLAPolicyID != nil {
			return path[i].SLAPolicyID, nil
		}
	}
	return defaultPolicy()
}
