package graph

import (
	"errors"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
)

// loginError presents a throttled login as RATE_LIMITED with the number
// of seconds to wait in extensions.retryAfter; other errors pass through.
func loginError(err error) error {
	var limited *auth.RateLimitedError
	if !errors.As(err, &limited) {
		return err
	}
	return &gqlerror.Error{
		Message: limited.Error(),
		Extensions: map[string]any{
			"code":       string(apperr.CodeRateLimited),
			"retryAfter": limited.RetryAfterSeconds(),
		},
	}
}
