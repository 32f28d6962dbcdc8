// Package graph is the GraphQL transport: thin resolvers that decode
// arguments, call one domain function and return its result.
package graph

//go:generate go run ./gqlgen
