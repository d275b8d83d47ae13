package discord

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Why a REST call failed, as Config.ObserveError is told: a small fixed set, so that a
// metric labelled with it has a handful of series and no ids.
const (
	reasonRateLimited = "rate_limited" // 429, whether waited out or not
	reasonHTTP5xx     = "http_5xx"     // Discord's servers failed
	reasonAPIError    = "api_error"    // Discord answered and refused: a 4xx (Unknown Message, Missing Access…)
	reasonTimeout     = "timeout"      // no answer in time (ctx's deadline, the client's timeout)
	reasonCanceled    = "canceled"     // ctx was cancelled: licensebot gave up, not Discord
	reasonNetwork     = "network"      // no answer: connection refused, DNS, TLS, reset
	reasonOther       = "other"        // an answer that couldn't be read, or anything else
)

// observeError tells Config.ObserveError of one failed attempt of a call. It only watches.
func (p *Platform) observeError(what string, err error) {
	if p.cfg.ObserveError != nil {
		p.cfg.ObserveError(what, errorReason(err))
	}
}

// errorReason sorts an error of a REST call into one of the reasons above.
func errorReason(err error) string {
	var (
		limited *discordgo.RateLimitError
		rest    *discordgo.RESTError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &limited):
		return reasonRateLimited
	case errors.Is(err, context.Canceled):
		return reasonCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return reasonTimeout
	case errors.As(err, &rest) && rest.Response != nil:
		switch code := rest.Response.StatusCode; {
		case code == http.StatusTooManyRequests:
			return reasonRateLimited
		case code >= 500:
			return reasonHTTP5xx
		}
		return reasonAPIError
	case strings.Contains(err.Error(), "Exceeded Max retries HTTP"):
		// discordgo retries a 502 itself and then returns this untyped error
		// (restapi.go, RequestWithLockedBucket).
		return reasonHTTP5xx
	case errors.As(err, &netErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return reasonNetwork
	}
	return reasonOther
}
