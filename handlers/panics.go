package handlers

import (
	"context"
	"fmt"
	"runtime/debug"
)

// errPanic is a panic in request work, turned into an error of that request: a bug, or an
// answer from outside that no check caught, must fail one request and never end the
// process (with it every replica's other requests and jobs).
type errPanic struct {
	what  string
	value any
}

func (e errPanic) Error() string { return fmt.Sprintf("panic while %s: %v", e.what, e.value) }

// recovered is deferred at the top of every goroutine and step of request work: it turns a
// panic into *errp (when errp is not nil), logs it with its stack (and, through the
// context, the request id), and counts it. It must be the deferred function itself, so
// that recover sees the panic.
func (s *Service) recovered(ctx context.Context, what string, errp *error) {
	v := recover()
	if v == nil {
		return
	}
	s.Logger.ErrorContext(ctx, "panic in request work", "what", what, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	s.Metrics.Panic(what)
	if errp != nil {
		*errp = errPanic{what: what, value: v}
	}
}
