package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	teamsapp "github.com/licensebot/licensebot/configs/teams-app"
)

// runTeamsApp writes the Teams app package (configs/teams-app) for the bot TEAMS_APP_ID to
// the file named, ready to upload in the Teams admin center.
func runTeamsApp(args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 || args[0] == "" {
		return errors.New("usage: licensebot teams-app <file.zip> (with TEAMS_APP_ID set to the Azure Bot's Microsoft App ID)")
	}
	appID := getenv("TEAMS_APP_ID")
	if appID == "" {
		return errors.New("TEAMS_APP_ID: not set (the Azure Bot's Microsoft App ID, from its Configuration page)")
	}
	var zip bytes.Buffer
	if err := teamsapp.Package(appID, &zip); err != nil {
		return fmt.Errorf("TEAMS_APP_ID: %w", err)
	}
	if err := os.WriteFile(args[0], zip.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the Teams app package: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes): upload it in the Teams admin center (Teams apps, Manage apps, Upload new app)\n", args[0], zip.Len())
	return nil
}
