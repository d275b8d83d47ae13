package handlers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/licensebot/licensebot/bot"
)

// The buttons' actions. They are fixed names (Slack's Socket Mode router matches action ids
// exactly); which request a button belongs to travels in its value.
const (
	ActionConfirm = "confirm"
	ActionCancel  = "cancel"
	ActionPick    = "pick"
	ActionApprove = "approve"
	ActionDeny    = "deny"
)

// A button's value is the request id, and for a pick button ".N", the index of a choice
// stored with the request. Nothing else is read from it.
func buttonValue(id string, pick int) string {
	if pick < 0 {
		return id
	}
	return id + "." + strconv.Itoa(pick)
}

func parseButtonValue(action, value string) (id string, pick int, err error) {
	bad := refuse("That button doesn't belong to a request I know; nothing was changed.")
	id, n, hasPick := strings.Cut(value, ".")
	if !idPattern.MatchString(id) {
		return "", 0, bad
	}
	if action != ActionPick {
		if hasPick {
			return "", 0, bad
		}
		return id, -1, nil
	}
	pick, err = strconv.Atoi(n)
	if err != nil || pick < 0 || pick > 1000 {
		return "", 0, bad
	}
	return id, pick, nil
}

func confirmButtons(id string, removals int) []bot.Button {
	return []bot.Button{
		{Label: "Confirm", Action: ActionConfirm, Value: id, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: "Remove these licenses?",
			Text:  fmt.Sprintf("%s will be removed once approved.", plural(removals, "license", "licenses")),
			Yes:   "Confirm", No: "Back",
		}},
		{Label: "Cancel", Action: ActionCancel, Value: id},
	}
}

func approvalButtons(id string) []bot.Button {
	return []bot.Button{
		{Label: "Approve", Action: ActionApprove, Value: id, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: "Approve the removal?", Text: "The licenses are removed as soon as you approve.", Yes: "Approve", No: "Back",
		}},
		{Label: "Deny", Action: ActionDeny, Value: id, Style: bot.Danger},
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
