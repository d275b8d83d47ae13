package teamsapp

import (
	"archive/zip"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Placeholder is the app id manifest.json carries until it is packaged: the nil GUID,
// never a real Microsoft App ID.
const Placeholder = "00000000-0000-0000-0000-000000000000"

// The files of the package, each at the zip's root, in this order.
const (
	manifestFile = "manifest.json"
	colorIcon    = "color.png"
	outlineIcon  = "outline.png"
)

//go:embed manifest.json color.png outline.png
var app embed.FS

// guid is the form Microsoft's manifest schema requires of "id" and "botId"
// (definitions.guid).
var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)

// CheckAppID reports whether appID can be the Azure bot's Microsoft App ID: a GUID in its
// usual form (8-4-4-4-12 hexadecimal digits, no braces), and not the placeholder. Spaces
// around it are ignored, here and in Manifest and Package.
func CheckAppID(appID string) error {
	appID = strings.TrimSpace(appID)
	switch {
	case !guid.MatchString(appID):
		return fmt.Errorf("teams app id %q is not a GUID (like 1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b): give the Azure bot's Microsoft App ID", appID)
	case appID == Placeholder:
		return fmt.Errorf("teams app id %s is the placeholder: give the Azure bot's Microsoft App ID", appID)
	}
	return nil
}

// Manifest returns manifest.json with appID, lower-cased, as the app's id and its bot's
// id (the Teams app and its bot share the Azure bot's Microsoft App ID).
func Manifest(appID string) ([]byte, error) {
	appID = strings.TrimSpace(appID)
	if err := CheckAppID(appID); err != nil {
		return nil, err
	}
	appID = strings.ToLower(appID)
	raw, err := app.ReadFile(manifestFile)
	if err != nil {
		return nil, err
	}
	out := bytes.ReplaceAll(raw, []byte(Placeholder), []byte(appID))
	// The placeholder stands exactly where the ids go: say so rather than ship a manifest
	// whose ids are not the app's.
	var m struct {
		ID   string `json:"id"`
		Bots []struct {
			BotID string `json:"botId"`
		} `json:"bots"`
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("teams app manifest: %w", err)
	}
	if m.ID != appID || len(m.Bots) != 1 || m.Bots[0].BotID != appID || bytes.Count(raw, []byte(Placeholder)) != 2 {
		return nil, fmt.Errorf("teams app manifest: the placeholder %s is not exactly its id and its bot's id", Placeholder)
	}
	return out, nil
}

// Package writes the app package to upload to Teams, a zip of manifest.json (from Manifest)
// and the two icons at its root, to w. A bad appID writes nothing.
func Package(appID string, w io.Writer) error {
	manifest, err := Manifest(appID)
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	now := time.Now()
	for _, name := range []string{manifestFile, colorIcon, outlineIcon} {
		data := manifest
		if name != manifestFile {
			if data, err = app.ReadFile(name); err != nil {
				return err
			}
		}
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			return err
		}
	}
	return z.Close()
}
