// Package ent is the generated data layer; only ent/schema, entc.go and this
// file are written by hand.
package ent

//go:generate go run -mod=mod entc.go
