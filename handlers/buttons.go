package handlers

import (
	"strconv"
	"strings"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
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

func confirmButtons(l locale.Lang, id string, removals int) []bot.Button {
	return []bot.Button{
		{Label: l.T("button.confirm"), Action: ActionConfirm, Value: id, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: l.T("button.confirm_title"),
			Text:  l.T("button.confirm_text", "Licenses", l.T("count.licenses", "Count", removals)),
			Yes:   l.T("button.confirm"), No: l.T("button.back"),
		}},
		{Label: l.T("button.cancel"), Action: ActionCancel, Value: id},
	}
}

// undoApprovalButtons are an undo's Approve and Deny.
func undoApprovalButtons(l locale.Lang, id string) []bot.Button {
	return []bot.Button{
		{Label: l.T("button.approve"), Action: ActionApprove, Value: id, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: l.T("button.approve_undo_title"), Text: l.T("button.approve_undo_text"), Yes: l.T("button.approve"), No: l.T("button.back"),
		}},
		{Label: l.T("button.deny"), Action: ActionDeny, Value: id, Style: bot.Danger},
	}
}

func approvalButtons(l locale.Lang, id string) []bot.Button {
	return []bot.Button{
		{Label: l.T("button.approve"), Action: ActionApprove, Value: id, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: l.T("button.approve_title"), Text: l.T("button.approve_text"), Yes: l.T("button.approve"), No: l.T("button.back"),
		}},
		{Label: l.T("button.deny"), Action: ActionDeny, Value: id, Style: bot.Danger},
	}
}

func (s *Service) outcomeButtons(l locale.Lang, r *Request) []bot.Button {
	var out []bot.Button
	if failedCount(r.Results) > 0 {
		out = append(out, bot.Button{Label: l.T("button.retry_failed"), Action: ActionRetry, Value: r.ID, Confirm: &bot.Confirmation{
			Title: l.T("button.retry_failed_title"), Text: l.T("button.retry_failed_text", "Users", l.T("count.users", "Count", failedUsers(r))),
			Yes: l.T("button.retry"), No: l.T("button.back"),
		}})
	}
	if (r.Kind == KindRemove || r.Kind == KindLeaver) && s.Restorer != nil && r.UndoneBy == "" && countOutcome(r.Results, OutcomeRemoved) > 0 {
		out = append(out, bot.Button{Label: l.T("button.undo"), Action: ActionUndo, Value: r.ID})
	}
	return out
}
