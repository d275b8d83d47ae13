package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/licensebot/licensebot/bot"
)

// Finding is one thing Check looked at (bot.Finding).
type Finding = bot.Finding

// RequiredScopes are the bot scopes licensebot uses, as configs/slack-app-manifest.yaml
// asks for them.
func RequiredScopes() []string {
	return []string{"commands", "chat:write", "im:write", "users:read", "users:read.email", "usergroups:read", "channels:read", "groups:read"}
}

// Check verifies, without posting anything, that the Slack app is set up for licensebot: the
// bot token is valid, its scopes are granted, the approval channel exists with the bot in
// it, the approver user groups exist, and in Socket Mode the app-level token can open a
// connection (the connection itself is not made). No finding contains a token.
//
// The calls are made with the platform's HTTP client directly, not slack-go, because the
// granted scopes come only in the X-OAuth-Scopes response header of a Web API call
// (https://api.slack.com/scopes: "the X-OAuth-Scopes HTTP header … lists the scopes the token
// has"), which slack-go doesn't expose.
func (p *Platform) Check(ctx context.Context) []Finding {
	var auth struct {
		User   string `json:"user"`
		UserID string `json:"user_id"`
		Team   string `json:"team"`
	}
	header, code, err := p.doctorCall(ctx, "auth.test", p.cfg.BotToken, nil, &auth)
	if f, failed := botTokenFinding(code, err); failed {
		// Nothing else can be checked with a token Slack refuses.
		return []Finding{f}
	}
	out := []Finding{{Check: fmt.Sprintf("Slack bot token: signed in as @%s (%s) in %s", auth.User, auth.UserID, auth.Team)}}
	out = append(out, scopeFindings(header.Get("X-OAuth-Scopes"))...)
	bot := "@" + auth.User
	if auth.User == "" {
		bot = "@licensebot"
	}
	if ch := p.cfg.ApprovalChannel; ch != "" {
		out = append(out, p.checkApprovalChannel(ctx, ch, bot))
	}
	for _, g := range p.cfg.Approvers {
		if groupIDPattern.MatchString(g) {
			out = append(out, p.checkUserGroup(ctx, g))
		}
	}
	if p.cfg.AppToken != "" {
		out = append(out, p.checkSocketMode(ctx))
	}
	return out
}

func botTokenFinding(code string, err error) (Finding, bool) {
	const what = "Slack bot token (SLACK_BOT_TOKEN)"
	switch {
	case err != nil:
		return Finding{Check: what, Problem: "can't reach Slack: " + err.Error(),
			Fix: "check SLACK_API_URL and that this host can reach it (proxy, firewall)"}, true
	case code == "":
		return Finding{}, false
	case code == "invalid_auth" || code == "not_authed" || code == "not_allowed_token_type":
		return Finding{Check: what, Problem: "Slack refused it (" + code + ")",
			Fix: "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page"}, true
	case code == "token_revoked" || code == "account_inactive" || code == "token_expired":
		return Finding{Check: what, Problem: "Slack refused it (" + code + ")",
			Fix: "reinstall the app to the workspace and use its new Bot User OAuth Token"}, true
	default:
		return Finding{Check: what, Problem: "auth.test failed (" + code + ")",
			Fix: "check the token on the app's OAuth & Permissions page"}, true
	}
}

func scopeFindings(header string) []Finding {
	if strings.TrimSpace(header) == "" {
		return []Finding{{Check: "Slack scopes", Unchecked: true, Problem: "Slack didn't say which scopes the token has (no X-OAuth-Scopes header)",
			Fix: "check by hand that the app has the scopes of configs/slack-app-manifest.yaml: " + strings.Join(RequiredScopes(), ", ")}}
	}
	var granted []string
	for s := range strings.SplitSeq(header, ",") {
		granted = append(granted, strings.TrimSpace(s))
	}
	var out []Finding
	for _, s := range RequiredScopes() {
		if !slices.Contains(granted, s) {
			out = append(out, Finding{Check: "Slack scope " + s, Problem: "not granted to the bot token",
				Fix: "add " + s + " under OAuth & Permissions › Bot Token Scopes (see configs/slack-app-manifest.yaml) and reinstall the app"})
		}
	}
	if len(out) == 0 {
		out = append(out, Finding{Check: "Slack scopes: " + strings.Join(RequiredScopes(), ", ")})
	}
	return out
}

// checkApprovalChannel reads the channel with conversations.info. That method needs
// channels:read (public) or groups:read (private), which licensebot doesn't otherwise use:
// without it, the membership is left to check by hand. A private channel the bot isn't in
// is channel_not_found, as a channel that doesn't exist.
func (p *Platform) checkApprovalChannel(ctx context.Context, id, bot string) Finding {
	what := "Slack approval channel " + id
	invite := "invite the bot: /invite " + bot + " in that channel"
	var info struct {
		Channel struct {
			Name       string `json:"name"`
			IsMember   bool   `json:"is_member"`
			IsArchived bool   `json:"is_archived"`
		} `json:"channel"`
	}
	_, code, err := p.doctorCall(ctx, "conversations.info", p.cfg.BotToken, url.Values{"channel": {id}}, &info)
	switch {
	case err != nil:
		return Finding{Check: what, Problem: "conversations.info failed: " + err.Error(), Fix: "run doctor again"}
	case code == "missing_scope":
		return Finding{Check: what, Unchecked: true, Problem: "can't check it: conversations.info needs channels:read (groups:read for a private channel)",
			Fix: "add that scope, or make sure by hand that the channel exists and the bot is in it (/invite " + bot + ")"}
	case code == "channel_not_found":
		return Finding{Check: what, Problem: "not found (or private without the bot in it)",
			Fix: "set LICENSEBOT_APPROVAL_CHANNEL to the channel's id (C…, at the bottom of the channel's details) and " + invite}
	case code != "":
		return Finding{Check: what, Problem: "conversations.info failed (" + code + ")", Fix: "check LICENSEBOT_APPROVAL_CHANNEL"}
	}
	what = fmt.Sprintf("Slack approval channel #%s (%s)", info.Channel.Name, id)
	switch {
	case info.Channel.IsArchived:
		return Finding{Check: what, Problem: "archived", Fix: "unarchive it or set LICENSEBOT_APPROVAL_CHANNEL to another channel"}
	case !info.Channel.IsMember:
		return Finding{Check: what, Problem: "the bot is not a member, so it can't post approval requests", Fix: invite}
	}
	return Finding{Check: what + ": the bot is a member"}
}

func (p *Platform) checkUserGroup(ctx context.Context, id string) Finding {
	what := "Slack approver user group " + id
	var list struct {
		Users []string `json:"users"`
	}
	_, code, err := p.doctorCall(ctx, "usergroups.users.list", p.cfg.BotToken, url.Values{"usergroup": {id}}, &list)
	switch {
	case err != nil:
		return Finding{Check: what, Problem: "usergroups.users.list failed: " + err.Error(), Fix: "run doctor again"}
	case code == "no_such_subteam" || code == "no_such_subgroup":
		return Finding{Check: what, Problem: "no such user group",
			Fix: "check LICENSEBOT_APPROVERS: a user group's id starts with S (its page in the workspace's People › User groups)"}
	case code == "plan_upgrade_required" || code == "paid_teams_only":
		return Finding{Check: what, Problem: "user groups need a paid Slack plan",
			Fix: "list the approvers' user ids (U…) in LICENSEBOT_APPROVERS instead"}
	case code == "missing_scope":
		return Finding{Check: what, Problem: "can't read it (missing_scope)", Fix: "add usergroups:read and reinstall the app"}
	case code != "":
		return Finding{Check: what, Problem: "usergroups.users.list failed (" + code + ")", Fix: "check LICENSEBOT_APPROVERS"}
	case len(list.Users) == 0:
		return Finding{Check: what, Problem: "has no members, so no one can approve through it", Fix: "add the approvers to the group"}
	}
	members := "members"
	if len(list.Users) == 1 {
		members = "member"
	}
	return Finding{Check: fmt.Sprintf("%s: %d %s", what, len(list.Users), members)}
}

// checkSocketMode asks for a Socket Mode URL with the app-level token and doesn't use it:
// the URL is single-use and expires unused.
func (p *Platform) checkSocketMode(ctx context.Context) Finding {
	const what = "Slack Socket Mode (SLACK_APP_TOKEN)"
	var open struct {
		URL string `json:"url"`
	}
	_, code, err := p.doctorCall(ctx, "apps.connections.open", p.cfg.AppToken, nil, &open)
	switch {
	case err != nil:
		return Finding{Check: what, Problem: "apps.connections.open failed: " + err.Error(), Fix: "run doctor again"}
	case code == "invalid_auth" || code == "not_authed" || code == "not_allowed_token_type" || code == "token_revoked":
		return Finding{Check: what, Problem: "Slack refused the app-level token (" + code + ")",
			Fix: "generate an app-level token (xapp-…) with connections:write under Basic Information › App-Level Tokens"}
	case code == "missing_scope":
		return Finding{Check: what, Problem: "the app-level token lacks connections:write",
			Fix: "generate an app-level token with connections:write under Basic Information › App-Level Tokens"}
	case code != "":
		return Finding{Check: what, Problem: "apps.connections.open failed (" + code + ")",
			Fix: "turn Socket Mode on under the app's Socket Mode page, or use HTTP mode (SLACK_SIGNING_SECRET)"}
	case open.URL == "":
		return Finding{Check: what, Problem: "Slack gave no connection URL", Fix: "run doctor again"}
	}
	return Finding{Check: what + ": a connection can be opened"}
}

// doctorCall makes one Web API call with token and decodes the answer into into. It returns
// the response's headers and Slack's error code ("" when ok); err is for a call that got no
// Slack answer. Neither carries the token: it goes in the Authorization header only.
func (p *Platform) doctorCall(ctx context.Context, method, token string, form url.Values, into any) (http.Header, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.APIURL+method, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", method, redactURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, bot.MaxBody))
	if err != nil {
		return nil, "", fmt.Errorf("%s: read the answer: %w", method, err)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return nil, "", fmt.Errorf("%s: rate limited; retry after %ss", method, resp.Header.Get("Retry-After"))
	}
	var status struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(body, &status); err != nil {
		return nil, "", fmt.Errorf("%s: answered %s, not Slack's JSON", method, resp.Status)
	}
	if !status.OK {
		if status.Error == "" {
			status.Error = "unknown_error"
		}
		return resp.Header, status.Error, nil
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			return nil, "", fmt.Errorf("%s: %w", method, err)
		}
	}
	return resp.Header, "", nil
}

// redactURLError keeps the reason of a *url.Error without its URL's query (none is sent, but
// a mistyped SLACK_API_URL could carry one).
func redactURLError(err error) error {
	if uerr, ok := err.(*url.Error); ok {
		u, perr := url.Parse(uerr.URL)
		if perr == nil {
			u.RawQuery, u.User = "", nil
			return &url.Error{Op: uerr.Op, URL: u.String(), Err: uerr.Err}
		}
		return uerr.Err
	}
	return err
}
