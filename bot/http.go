package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// MaxBody bounds a request from a chat platform: an interaction carries the whole message
// it came from, so it can be tens of kilobytes, but never megabytes.
const MaxBody = 1 << 20

// ReadVerified reads a platform's POST once, raw, and checks its signature with verify
// before anything in it is read. A request that isn't the platform's gets 401 and changes
// nothing (Discord itself sends bad signatures to check that it does); one too large,
// 413. ok is false when the request has been answered.
func ReadVerified(w http.ResponseWriter, r *http.Request, log *slog.Logger, verify func(header http.Header, body []byte) error) (body []byte, ok bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "can't read the request", http.StatusBadRequest)
		return nil, false
	}
	if err := verify(r.Header, body); err != nil {
		log.WarnContext(r.Context(), "refused a request not signed by the platform", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// WriteJSON acknowledges with v as JSON, and flushes it: the platform has its answer
// before any work on the delivery starts (a Discord deferral must be in place before the
// work edits it).
func WriteJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode the answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// MaxSkew is how far a signed request's timestamp may be from now: Slack's docs refuse
// requests older than five minutes, so that a captured request can't be replayed later,
// and licensebot holds Discord's to the same (its signature covers the timestamp).
const MaxSkew = 5 * time.Minute

// SignedAt reads the Unix-seconds timestamp a platform signs with (header is its name)
// and checks that it is within MaxSkew of now. It returns the timestamp as sent, which the
// signature covers.
func SignedAt(h http.Header, header string, now time.Time) (string, error) {
	text := h.Get(header)
	if text == "" {
		return "", fmt.Errorf("no %s", header)
	}
	ts, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%s is not a number", header)
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > MaxSkew || skew < -MaxSkew {
		return "", fmt.Errorf("timestamp is %s away from now (at most %s)", skew.Round(time.Second), MaxSkew)
	}
	return text, nil
}
