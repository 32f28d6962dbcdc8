package auth

import "context"

type clientAddressKey struct{}

// WithClientAddress returns a context carrying the address of the client
// a request came from (an IP address, without port), for the login
// throttle.
func WithClientAddress(ctx context.Context, address string) context.Context {
	return context.WithValue(ctx, clientAddressKey{}, address)
}

// ClientAddressFrom returns the client address in ctx, if any.
func ClientAddressFrom(ctx context.Context) (string, bool) {
	a, ok := ctx.Value(clientAddressKey{}).(string)
	return a, ok && a != ""
}
