package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// Check verifies, without posting anything, that the Teams bot is set up for licensebot:
// the app id and secret give a token for the Bot Framework, the Bot Framework's signing
// keys can be read (and some are endorsed for Teams), the messaging endpoint answers as
// licensebot's (an unsigned POST is refused with 401), and the approvers' channel is one
// the bot is in. No finding contains the secret.
func (p *Platform) Check(ctx context.Context) []bot.Finding {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out := []bot.Finding{p.checkToken(ctx), p.checkKeys(ctx), p.checkEndpoint(ctx)}
	if p.cfg.ApprovalChannel != "" {
		out = append(out, p.checkApprovalChannel(ctx))
	}
	return out
}

// checkToken asks the identity platform for a token as the bot, afresh.
func (p *Platform) checkToken(ctx context.Context) bot.Finding {
	f := bot.Finding{Check: fmt.Sprintf("Teams bot credentials (Microsoft App ID %s, tenant %s)", p.cfg.AppID, p.cfg.TenantID)}
	_, err := newTokens(p.cfg.AppID, p.cfg.AppPassword, p.cfg.TokenURL, p.cfg.HTTPClient).Token()
	if err != nil {
		f.Problem = "no token for the Bot Framework: " + tokenError(err).Error()
		f.Fix = "check TEAMS_APP_ID (the Azure Bot's Microsoft App ID), TEAMS_APP_PASSWORD (a current client secret of that app registration: Certificates & secrets) and TEAMS_TENANT_ID (the app registration's tenant; the bot must be single-tenant)"
	}
	return f
}

// checkKeys reads the Bot Framework's OpenID metadata and keys.
func (p *Platform) checkKeys(ctx context.Context) bot.Finding {
	f := bot.Finding{Check: "Bot Framework signing keys (" + p.cfg.OpenIDMetadataURL + ")"}
	keys, err := p.verify.fetch(ctx)
	if err != nil {
		f.Problem = err.Error()
		f.Fix = "licensebot must reach login.botframework.com over HTTPS to verify what Teams sends: check the proxy and firewall"
		return f
	}
	n := 0
	for _, k := range keys {
		if slices.Contains(k.endorsements, channelTeams) {
			n++
		}
	}
	if n == 0 {
		f.Problem = fmt.Sprintf("%d keys, none endorsed for %s: every activity from Teams would be refused", len(keys), channelTeams)
		f.Fix = "check TEAMS_OPENID_METADATA_URL: leave it unset for Microsoft's"
		return f
	}
	f.Check += fmt.Sprintf(": %d keys, %d endorsed for Teams", len(keys), n)
	return f
}

// checkEndpoint POSTs to the messaging endpoint without a token: licensebot's answers 401.
func (p *Platform) checkEndpoint(ctx context.Context) bot.Finding {
	f := bot.Finding{Check: "Teams messaging endpoint"}
	if p.cfg.MessagingEndpoint == "" {
		f.Unchecked = true
		f.Problem = "LICENSEBOT_PUBLIC_URL is not set, so the endpoint can't be checked from here"
		f.Fix = "set LICENSEBOT_PUBLIC_URL to where licensebot is reachable; the Azure Bot's Configuration must name <that URL>/api/messages as its messaging endpoint"
		return f
	}
	f.Check += " " + p.cfg.MessagingEndpoint
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.MessagingEndpoint, strings.NewReader("{}"))
	if err != nil {
		f.Problem = err.Error()
		return f
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		f.Problem = "not reachable: " + err.Error()
		f.Fix = "Teams must reach it over HTTPS from the internet: check LICENSEBOT_PUBLIC_URL, DNS, the TLS certificate and the reverse proxy"
		return f
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		f.Problem = fmt.Sprintf("an unsigned POST was answered %s, not 401: it isn't licensebot's endpoint", resp.Status)
		f.Fix = "route POST /api/messages at the public URL to licensebot serve"
	}
	return f
}

// checkApprovalChannel lists the approvers' channel's members: the bot must be in its team.
func (p *Platform) checkApprovalChannel(ctx context.Context) bot.Finding {
	f := bot.Finding{Check: "Teams approval channel " + p.cfg.ApprovalChannel}
	serviceURL, err := p.serviceURL(ctx)
	if errors.Is(err, errNoServiceURL) {
		f.Unchecked = true
		f.Problem = "no activity from Teams has reached licensebot yet, so it can't ask Teams about the channel"
		f.Fix = "install the app in the approvers' team (Teams: the team's … menu, Manage team, Apps), then run doctor again"
		return f
	}
	if err != nil {
		f.Problem = err.Error()
		return f
	}
	members, err := p.conn.members(ctx, serviceURL, p.cfg.ApprovalChannel)
	if err != nil {
		f.Problem = "Teams refused to list its members: " + err.Error()
		f.Fix = "check TEAMS_APPROVAL_CHANNEL (the channel's conversation id, 19:…@thread.tacv2) and that the app is installed in that channel's team"
		return f
	}
	f.Check += fmt.Sprintf(": the bot is in its team (%d members)", len(members))
	return f
}
