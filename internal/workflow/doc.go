// Package workflow holds the pure rules of a ticket's life: which status
// may follow which, which statuses need an assignee, how the time spent
// in a status adds to the ticket's working and waiting totals, and which
// team and SLA policy a new ticket is routed to. They are plain functions
// over plain values — no database, no clock of their own — so they are
// tested exactly, and the services apply them inside their transactions.
package workflow
