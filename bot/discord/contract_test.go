package discord

import "github.com/licensebot/licensebot/handlers"

// The Platform is the handlers' Notifier, the handlers' Service is its Handler.
var (
	_ handlers.Notifier = (*Platform)(nil)
	_ Handler           = (*handlers.Service)(nil)
)
