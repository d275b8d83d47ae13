package teamsfake

import (
	"net/http"
	"time"
)

// Teams' per bot per thread limits ("Optimize your bot with rate limiting in Teams",
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit): how many
// operations of a kind one bot may make in one conversation (a 1:1 chat, a group chat or a
// channel) within each sliding window; past one, 429 Too Many Requests. The page says the
// values may change and are for estimation; the fake enforces them exactly, on its clock.

// window is one row of the table: at most max operations within span.
type window struct {
	span time.Duration
	max  int
}

var (
	// Send to conversation, and Create conversation.
	sendWindows = []window{{time.Second, 7}, {2 * time.Second, 8}, {30 * time.Second, 60}, {time.Hour, 1800}}
	// Get conversation members.
	membersWindows = []window{{time.Second, 14}, {2 * time.Second, 16}, {30 * time.Second, 120}, {time.Hour, 3600}}
)

var scenarioWindows = map[string][]window{"send": sendWindows, "create": sendWindows, "members": membersWindows}

// admit counts an operation of a scenario in a conversation at now, unless that would pass
// one of its windows: then it says how long until the oldest operation that fills the
// tightest one leaves it. A refused operation isn't counted. It needs f.mu.
func (f *Fake) admit(scenario, conversationID string, now time.Time) (time.Duration, bool) {
	key := scenario + " " + conversationID
	windows := scenarioWindows[scenario]
	longest := windows[len(windows)-1].span
	past := f.limits[key]
	for len(past) > 0 && now.Sub(past[0]) >= longest {
		past = past[1:]
	}
	var wait time.Duration
	for _, w := range windows {
		// past is in time order: those within the window are its tail.
		in := 0
		for i := len(past) - 1; i >= 0 && now.Sub(past[i]) < w.span; i-- {
			in++
		}
		if in >= w.max {
			// The operation that must leave the window for one more to fit.
			leaving := past[len(past)-w.max]
			wait = max(wait, leaving.Add(w.span).Sub(now))
		}
	}
	if wait > 0 {
		f.limits[key] = past
		return wait, false
	}
	f.limits[key] = append(past, now)
	return 0, true
}

// throttle answers 429 as Teams does ("Status code responses": 429 Throttled, "Too many
// requests. Also returns when to retry after").
func throttle(w http.ResponseWriter, wait time.Duration) {
	retryAfter(w, wait)
	writeError(w, http.StatusTooManyRequests, "Throttled", errorMessage("Throttled"))
}
