// Package teamsapp (in configs/teams-app) owns licensebot's Microsoft Teams app package:
// the app manifest and its two icons, beside this file and embedded, and the zip an
// administrator uploads to Teams, with the Azure bot's Microsoft App ID written into the
// manifest. manifest.json carries the placeholder app id Placeholder in "id" and
// "bots[0].botId"; color.png is 192×192 and outline.png 32×32, white on transparent.
// Package writes the zip (licensebot teams-app <file.zip> calls it); Manifest returns the
// manifest alone. The directory's name has a hyphen, as the files' home; the package is
// imported as teamsapp.
//
// manifest_test.go validates the manifest against Microsoft's JSON schema for its manifest
// version (testdata/, see testdata/SOURCES.md) and checks the icons and the zip against
// Microsoft's rules for app packages
// (https://learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/apps-package).
// When the bot's commands change (locale/en.toml, help.usage), change the command lists in
// manifest.json and its "version" with them.
package teamsapp
