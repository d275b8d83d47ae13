package handlers

import (
	"context"
	"log/slog"
)

type requestKey struct{}

// withRequest is the context of work on one request: every line logged with it carries the
// request's id (RequestIDs), so that one request's story can be read from the logs.
func withRequest(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, requestKey{}, id)
}

// RequestIDs wraps a log handler so that every line logged with the context of a request
// carries its id as "request", unless the line names it itself. Wrap the handler of the
// Logger given to New (and to the chat platforms, which log with the contexts they are
// given).
func RequestIDs(h slog.Handler) slog.Handler { return requestIDs{h} }

type requestIDs struct{ slog.Handler }

func (h requestIDs) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestKey{}).(string); ok {
		named := false
		r.Attrs(func(a slog.Attr) bool {
			named = a.Key == "request"
			return !named
		})
		if !named {
			r = r.Clone()
			r.AddAttrs(slog.String("request", id))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDs) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDs{h.Handler.WithAttrs(as)}
}

func (h requestIDs) WithGroup(name string) slog.Handler { return requestIDs{h.Handler.WithGroup(name)} }
