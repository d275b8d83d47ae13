package slackfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf16"
)

// Block Kit's limits, as Slack documents them (https://docs.slack.dev/reference/block-kit):
// Slack refuses a message that breaks any of them with invalid_blocks.
const (
	maxBlocks         = 50
	maxSectionText    = 3000
	maxFields         = 10
	maxFieldText      = 2000
	maxHeaderText     = 150
	maxContextItems   = 10
	maxActionElements = 25
	maxButtonText     = 75
	maxButtonValue    = 2000
	maxActionID       = 255
	maxConfirmTitle   = 100
	maxConfirmText    = 300
	maxConfirmButton  = 30
)

type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type element struct {
	Type     string      `json:"type"`
	Text     *textObject `json:"text"`
	ActionID string      `json:"action_id"`
	Value    string      `json:"value"`
	Style    string      `json:"style"`
	Confirm  *struct {
		Title   *textObject `json:"title"`
		Text    *textObject `json:"text"`
		Confirm *textObject `json:"confirm"`
		Deny    *textObject `json:"deny"`
		Style   string      `json:"style"`
	} `json:"confirm"`
}

type block struct {
	Type     string          `json:"type"`
	Text     *textObject     `json:"text"`
	Fields   []textObject    `json:"fields"`
	Elements json.RawMessage `json:"elements"`
}

// length counts as Slack's limits are safest read: in UTF-16 code units.
func length(s string) int { return len(utf16.Encode([]rune(s))) }

// ValidateBlocks checks a message's blocks (a JSON array) against Block Kit's limits and
// says what breaks them.
func ValidateBlocks(raw []byte) error {
	var blocks []block
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return fmt.Errorf("blocks are not a JSON array of blocks: %w", err)
	}
	if len(blocks) > maxBlocks {
		return fmt.Errorf("%d blocks, at most %d", len(blocks), maxBlocks)
	}
	actionIDs := map[string]bool{}
	var errs []error
	for i, b := range blocks {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("block %d (%s): %s", i, b.Type, fmt.Sprintf(format, args...)))
		}
		checkText := func(what string, t *textObject, max int, plainOnly bool) {
			switch {
			case t == nil:
				bad("%s missing", what)
			case t.Type != "plain_text" && (plainOnly || t.Type != "mrkdwn"):
				bad("%s has type %q", what, t.Type)
			case t.Text == "":
				bad("%s is empty", what)
			case length(t.Text) > max:
				bad("%s is %d characters, at most %d", what, length(t.Text), max)
			}
		}
		switch b.Type {
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				bad("neither text nor fields")
			}
			if b.Text != nil {
				checkText("text", b.Text, maxSectionText, false)
			}
			if len(b.Fields) > maxFields {
				bad("%d fields, at most %d", len(b.Fields), maxFields)
			}
			for j := range b.Fields {
				checkText(fmt.Sprintf("field %d", j), &b.Fields[j], maxFieldText, false)
			}
		case "header":
			checkText("text", b.Text, maxHeaderText, true)
		case "divider":
		case "context":
			var items []textObject
			if err := json.Unmarshal(b.Elements, &items); err != nil || len(items) == 0 {
				bad("elements missing")
				continue
			}
			if len(items) > maxContextItems {
				bad("%d elements, at most %d", len(items), maxContextItems)
			}
			for j := range items {
				checkText(fmt.Sprintf("element %d", j), &items[j], maxSectionText, false)
			}
		case "actions":
			var elements []element
			if err := json.Unmarshal(b.Elements, &elements); err != nil || len(elements) == 0 {
				bad("elements missing")
				continue
			}
			if len(elements) > maxActionElements {
				bad("%d elements, at most %d", len(elements), maxActionElements)
			}
			for j, e := range elements {
				if e.Type != "button" {
					bad("element %d is a %q, only buttons are checked here", j, e.Type)
					continue
				}
				checkText(fmt.Sprintf("button %d text", j), e.Text, maxButtonText, true)
				switch {
				case e.ActionID == "" || length(e.ActionID) > maxActionID:
					bad("button %d action_id %q", j, e.ActionID)
				case actionIDs[e.ActionID]:
					bad("button %d action_id %q is not unique in the message", j, e.ActionID)
				}
				actionIDs[e.ActionID] = true
				if length(e.Value) > maxButtonValue {
					bad("button %d value is %d characters, at most %d", j, length(e.Value), maxButtonValue)
				}
				if e.Style != "" && e.Style != "primary" && e.Style != "danger" {
					bad("button %d style %q", j, e.Style)
				}
				if c := e.Confirm; c != nil {
					// All four texts are "A plain_text text object" on the confirmation
					// dialog object's page
					// (https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object);
					// Slack takes a mrkdwn text but shows it unformatted
					// (slackapi/node-slack-sdk#1612), so the fake refuses it.
					checkText("confirm title", c.Title, maxConfirmTitle, true)
					checkText("confirm text", c.Text, maxConfirmText, true)
					checkText("confirm button", c.Confirm, maxConfirmButton, true)
					checkText("deny button", c.Deny, maxConfirmButton, true)
				}
			}
		default:
			bad("block type not known to slackfake")
		}
	}
	return errors.Join(errs...)
}
