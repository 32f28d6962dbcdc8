package ticketing

import (
	"helpdesk/ent/comment"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticket"
	"helpdesk/internal/gid"
)

// CreateTicketInput is a new ticket as a client describes it.
type CreateTicketInput struct {
	Title          string
	Description    *string
	Priority       *schematype.Priority
	Channel        ticket.Channel
	Internal       *bool
	CustomerID     *gid.ID
	CategoryID     *gid.ID
	TeamID         *gid.ID
	AssigneeID     *gid.ID
	Tags           []string
	WatcherIDs     []gid.ID
	OrderReference *string
	CustomFields   map[string]any
}

// UpdateTicketInput lists the fields to change; nil means unchanged.
type UpdateTicketInput struct {
	ExpectedVersion  *int
	Title            *string
	Description      *string
	Priority         *schematype.Priority
	Channel          *ticket.Channel
	CustomerID       *gid.ID
	CategoryID       *gid.ID
	ClearCategory    *bool
	TeamID           *gid.ID
	ClearTeam        *bool
	AssigneeID       *gid.ID
	ClearAssignee    *bool
	AddTags          []string
	RemoveTags       []string
	AddWatcherIDs    []gid.ID
	RemoveWatcherIDs []gid.ID
	OrderReference   *string
	CustomFields     map[string]any
}

// AddCommentInput is a new comment on a ticket.
type AddCommentInput struct {
	TicketID   gid.ID
	Body       string
	Visibility comment.Visibility
	MentionIDs []gid.ID
}
