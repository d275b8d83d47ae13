package handlers

import (
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

// The outcome's buttons.
const (
	ActionRetry = "retry" // re-run the failed users of a finished request
	ActionUndo  = "undo"  // give back what a finished removal took
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
	bad := refuse(unknownButtonValue{})
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

func confirmButtons(l lang, id string, removals int) []bot.Button {
	return []bot.Button{
		{Label: l.T("Confirm"), Action: ActionConfirm, Value: id, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: l.T("Remove these licenses?"),
			Text:  l.T("%s will be removed once approved.", l.plural(removals, "license", "licenses")),
			Yes:   l.T("Confirm"), No: l.T("Back"),
		}},
		{Label: l.T("Cancel"), Action: ActionCancel, Value: id},
	}
}

// undoApprovalButtons are an undo's Approve and Deny.
func undoApprovalButtons(l lang, id string) []bot.Button {
	return []bot.Button{
		{Label: l.T("Approve"), Action: ActionApprove, Value: id, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: l.T("Approve giving these licenses back?"), Text: l.T("The licenses are assigned again as soon as you approve."), Yes: l.T("Approve"), No: l.T("Back"),
		}},
		{Label: l.T("Deny"), Action: ActionDeny, Value: id, Style: bot.Danger},
	}
}

func approvalButtons(l lang, id string) []bot.Button {
	return []bot.Button{
		{Label: l.T("Approve"), Action: ActionApprove, Value: id, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: l.T("Approve the removal?"), Text: l.T("The licenses are removed as soon as you approve."), Yes: l.T("Approve"), No: l.T("Back"),
		}},
		{Label: l.T("Deny"), Action: ActionDeny, Value: id, Style: bot.Danger},
	}
}

func (s *Service) outcomeButtons(l lang, r *Request) []bot.Button {
	var out []bot.Button
	if failedCount(r.Results) > 0 {
		out = append(out, bot.Button{Label: l.T("Retry failed"), Action: ActionRetry, Value: r.ID, Confirm: &bot.Confirmation{
			Title: l.T("Retry the failed users?"), Text: l.T("%s that failed will be tried again, under the same approval.", l.plural(failedUsers(r), "user", "users")),
			Yes: l.T("Retry"), No: l.T("Back"),
		}})
	}
	if r.Kind == KindRemove && s.Restorer != nil && r.UndoneBy == "" && countOutcome(r.Results, OutcomeRemoved) > 0 {
		out = append(out, bot.Button{Label: l.T("Undo"), Action: ActionUndo, Value: r.ID})
	}
	return out
}
