package bot

import "net/http"

// Route is one HTTP endpoint a platform serves (Slack's slash commands, Discord's
// interactions), as cmd lists them in one place.
type Route struct {
	// Pattern is the http.ServeMux pattern: "POST /slack/commands".
	Pattern string
	// Name names the endpoint in metrics: "commands".
	Name    string
	Handler http.Handler
}

// Finding is one check of a platform's setup for `licensebot doctor`: Problem is empty
// when it passed; Unchecked, when it couldn't be checked from here (not a failure).
type Finding struct {
	Check, Problem, Fix string
	Unchecked           bool
}
