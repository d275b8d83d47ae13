// Package handlers holds licensebot's use cases: /unassign and its sub-commands, who may ask
// and who may approve, the request's life from plan to report, and the removal itself. It
// decides everything and talks to the outside only through the small interfaces it declares
// here (Directory, Remover, Requests, Audit, RoleCache, Notifier), so the same flow runs in
// the terminal demo, Slack and Discord.
package handlers
