// Package teamsapp owns licensebot's Microsoft Teams app package: the app manifest and its
// two icons (in app/, embedded), and the zip an administrator uploads to Teams, with the
// Azure bot's Microsoft App ID written into the manifest.
//
// The files live here rather than in configs/teams-app because go:embed reads only from the
// package's own directory, and a hyphenated directory makes an awkward import path: app/
// holds manifest.json (with the placeholder app id Placeholder in "id" and "bots[0].botId"),
// color.png (192×192) and outline.png (32×32, white on transparent). Package writes the zip
// (licensebot teams-app <file.zip> calls it); Manifest returns the manifest alone.
//
// manifest_test.go validates the manifest against Microsoft's JSON schema for its manifest
// version (testdata/, see testdata/SOURCES.md) and checks the icons and the zip against
// Microsoft's rules for app packages
// (https://learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/apps-package).
// When the bot's commands change (locale/en.toml, help.usage), change the command lists in
// app/manifest.json and its "version" with them.
package teamsapp
