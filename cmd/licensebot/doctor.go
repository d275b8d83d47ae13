package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/graph"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/store"
)

// doctorTimeout bounds each group of checks (Redis, Graph, each chat platform), so that an
// unreachable host is reported instead of hanging the command.
const doctorTimeout = 20 * time.Second

// runDoctor checks, with the configuration serve would use, every connection and permission
// licensebot needs, and changes nothing anywhere: no message is posted, no Graph write is
// made, no Redis key is written. One line per check:
//
//	✓ <what>                      passed
//	✗ <what>: <why> — <fix>       failed: serve would not work (or not fully)
//	! <what>: <why> — <fix>       couldn't be checked from here (e.g. managed Redis with
//	                              CONFIG disabled); look by hand. Not a failure.
//	· <what>: <why>               not checked (a check that needs a configuration error
//	                              fixed first)
//
// It returns an error ("N checks failed") when any ✗ was printed. No line contains a token or
// a secret: the tokens stay inside package graph and the chat platforms.
func runDoctor(ctx context.Context, getenv func(string) string, stdout, _ io.Writer) error {
	r := &doctorReport{out: stdout}
	cfg, err := configs.Load(getenv)
	if err == nil {
		err = cfg.ValidateServe()
	}
	configOK := err == nil
	if configOK {
		r.pass("configuration")
	}
	for _, e := range leafErrors(err) {
		r.fail("configuration", e.Error(), "set it in the environment (see README.md › Configuration)")
	}

	doctorRedis(ctx, r, cfg)
	doctorGraph(ctx, r, cfg, configOK)
	doctorPlatforms(ctx, r, cfg, configOK)
	doctorSignIn(ctx, r, cfg, configOK)

	switch r.failed {
	case 0:
		return nil
	case 1:
		return errors.New("1 check failed")
	default:
		return fmt.Errorf("%d checks failed", r.failed)
	}
}

// doctorReport prints the checks' lines and counts the failures.
type doctorReport struct {
	out    io.Writer
	failed int
}

func (r *doctorReport) pass(what string) { fmt.Fprintf(r.out, "✓ %s\n", what) }

func (r *doctorReport) fail(what, why, fix string) {
	r.failed++
	fmt.Fprintf(r.out, "✗ %s: %s — %s\n", what, oneLine(why), fix)
}

func (r *doctorReport) unchecked(what, why, fix string) {
	fmt.Fprintf(r.out, "! %s: %s — %s\n", what, oneLine(why), fix)
}

func (r *doctorReport) skip(what, why string) { fmt.Fprintf(r.out, "· %s: %s\n", what, why) }

// finding prints a store or chat platform finding.
func (r *doctorReport) finding(check, problem, fix string, unchecked bool) {
	switch {
	case problem == "":
		r.pass(check)
	case unchecked:
		r.unchecked(check, problem, fix)
	default:
		r.fail(check, problem, fix)
	}
}

func doctorRedis(ctx context.Context, r *doctorReport, cfg configs.Config) {
	if cfg.Redis.URL == "" {
		r.skip("Redis", "not checked: REDIS_URL is not set")
		return
	}
	rdb, err := store.Open(cfg.Redis.URL)
	if err != nil {
		// Open's error shows the URL with its password replaced.
		r.fail("Redis (REDIS_URL)", err.Error(), "fix REDIS_URL (see README.md › Redis)")
		return
	}
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	h, err := store.New(rdb, cfg.Redis.KeyPrefix).Health(ctx)
	if err != nil {
		r.fail("Redis", "no answer to PING: "+err.Error(),
			"check REDIS_URL (host, port, password, rediss:// for TLS) and that Redis runs and is reachable from here")
		return
	}
	r.pass("Redis answers PING")
	for _, f := range h.Findings() {
		r.finding(f.Check, f.Problem, f.Fix, f.Unchecked)
	}
}

// graphConfig is the Graph client's configuration, as serve builds it.
func graphConfig(cfg configs.Config) graph.Config {
	return graph.Config{
		Cloud: graph.Cloud(cfg.Graph.Cloud), BaseURL: cfg.Graph.BaseURL,
		TenantID: cfg.Graph.TenantID, ClientID: cfg.Graph.ClientID, ClientSecret: cfg.Graph.ClientSecret,
		CertificatePath: cfg.Graph.CertificatePath, CertificatePassword: cfg.Graph.CertificatePassword,
		UseWorkloadIdentity: cfg.Graph.WorkloadIdentity, UseManagedIdentity: cfg.Graph.ManagedIdentity,
		AccessToken: cfg.Graph.AccessToken, Timeout: cfg.Graph.Timeout,
	}
}

func doctorGraph(ctx context.Context, r *doctorReport, cfg configs.Config, configOK bool) {
	gcfg := graphConfig(cfg)
	client, err := graph.New(gcfg)
	if err != nil {
		if configOK {
			r.fail("Microsoft Graph", err.Error(), "fix the Graph settings (see README.md › Microsoft Graph)")
		} else {
			r.skip("Microsoft Graph", "not checked: fix the configuration first")
		}
		return
	}
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()

	mode, tokenFix := graphCredentialMode(cfg.Graph)
	roles, rolesErr := graph.AppPermissions(ctx, gcfg)
	switch {
	case rolesErr == nil, errors.Is(rolesErr, graph.ErrTokenUnreadable), errors.Is(rolesErr, graph.ErrDelegatedToken):
		r.pass("Microsoft Graph token (" + mode + ")")
	default:
		r.fail("Microsoft Graph token ("+mode+")", "can't get one: "+summarizeAzureError(rolesErr), tokenFix)
		return
	}

	if err := client.Ping(ctx); err != nil {
		why, fix := graphCallProblem(err)
		r.fail("Microsoft Graph: GET /subscribedSkus", why, fix)
	} else {
		r.pass("Microsoft Graph: GET /subscribedSkus")
	}

	const consent = "(application) and admin consent in Entra ID › App registrations › API permissions"
	switch {
	case errors.Is(rolesErr, graph.ErrTokenUnreadable):
		r.fail("Microsoft Graph application permissions", "can't read the app's permissions from the token (it isn't a JWT)",
			"use a token Entra issued to the app, or check by hand that it has "+requiredPermissionNames()+" "+consent)
		return
	case errors.Is(rolesErr, graph.ErrDelegatedToken):
		r.fail("Microsoft Graph application permissions", "the token was issued to a signed-in user (delegated), not to the app",
			"use the app's own token (client credentials): licensebot needs application permissions")
		return
	}
	missing := 0
	for _, p := range graph.RequiredPermissions() {
		switch {
		case p.GrantedBy(roles):
		case p.Optional:
			// Not a failure: the bot works without it, with less to say.
			missing++
			r.unchecked("Microsoft Graph permission "+p.Name+" (optional)", "not granted, so licensebot can't "+p.For, "grant "+p.Name+" "+consent)
		default:
			missing++
			r.fail("Microsoft Graph permission "+p.Name, "not granted, and licensebot needs it to "+p.For, "grant "+p.Name+" "+consent)
		}
	}
	if missing == 0 {
		r.pass("Microsoft Graph application permissions: " + requiredPermissionNames())
	}
	doctorFeatures(ctx, r, client, roles, rolesErr == nil)
}

// doctorFeatures says which of the features that need more than removals the app's
// permissions and the tenant's licenses allow: a feature not allowed is a thing to look at,
// not a failure (everything else works).
func doctorFeatures(ctx context.Context, r *doctorReport, client *graph.Client, roles []string, rolesKnown bool) {
	granted := func(name string) bool {
		for _, p := range graph.RequiredPermissions() {
			if p.Name == name {
				return !rolesKnown || p.GrantedBy(roles)
			}
		}
		return false
	}
	if granted("GroupMember.Read.All") {
		r.pass("Feature --group (a group's users): allowed")
	}
	if granted("User.Read.All") {
		r.pass("Feature --holders (a product's holders): allowed")
	}
	if granted("User.EnableDisableAccount.All") && granted("User.RevokeSessions.All") {
		r.pass("Feature leaver (block sign-in, sign out, unlicense): allowed")
	} else {
		r.unchecked("Feature leaver (block sign-in, sign out, unlicense)", "the app may not block sign-in or revoke sessions",
			"grant User.EnableDisableAccount.All and User.RevokeSessions.All (application) and admin consent")
	}
	const what = "Feature inactive (users who haven't signed in)"
	switch err := client.SignInActivityReadable(ctx); {
	case err == nil:
		r.pass(what + ": allowed (sign-in activity readable)")
	case errors.Is(err, licensing.ErrNoPremium):
		r.unchecked(what, "the tenant has no Microsoft Entra ID P1 or P2, so Microsoft Entra shows no sign-in activity",
			"inactive falls back to Microsoft 365's activity report: grant Reports.Read.All and turn off concealed names (admin center › Settings › Org settings › Reports), or license Entra ID P1")
	case errors.Is(err, licensing.ErrForbidden):
		r.unchecked(what, "the app may not read sign-in activity", "grant AuditLog.Read.All (application) and admin consent")
	default:
		r.unchecked(what, "couldn't be checked: "+err.Error(), "run doctor again")
	}
}

func requiredPermissionNames() string {
	var names []string
	for _, p := range graph.RequiredPermissions() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// graphCredentialMode names how the token is obtained, and what to check when it can't be.
func graphCredentialMode(g configs.Graph) (mode, fix string) {
	switch {
	case g.AccessToken != "":
		return "GRAPH_ACCESS_TOKEN", "set GRAPH_ACCESS_TOKEN to a current token"
	case g.ManagedIdentity:
		return "managed identity", "check that the host has a managed identity (AZURE_CLIENT_ID names a user-assigned one)"
	case g.WorkloadIdentity:
		return "workload identity", "check AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE and the app's federated credential (its issuer and subject)"
	case g.CertificatePath != "":
		return "client certificate", "check AZURE_TENANT_ID, AZURE_CLIENT_ID and that the certificate is uploaded under the app's Certificates & secrets and not expired"
	default:
		return "client secret", "check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (the secret's value, not its id; secrets expire: Certificates & secrets)"
	}
}

// graphCallProblem explains a failed Graph call.
func graphCallProblem(err error) (why, fix string) {
	var ge *licensing.GraphError
	if !errors.As(err, &ge) {
		return err.Error(), "check the network path to Graph"
	}
	switch {
	case ge.Status == 401:
		return fmt.Sprintf("Graph refused the token (401 %s)", ge.Code),
			"check GRAPH_CLOUD matches the tenant's cloud and that the token is for Microsoft Graph"
	case ge.Status == 403:
		return fmt.Sprintf("not allowed (403 %s)", ge.Code),
			"grant LicenseAssignment.Read.All (or LicenseAssignment.ReadWrite.All) (application) and admin consent in Entra ID › App registrations › API permissions"
	case ge.Status == 0:
		return "can't reach Graph: " + ge.Message, "check GRAPH_CLOUD and GRAPH_BASE_URL, and that this host can reach Graph (proxy, firewall)"
	default:
		return fmt.Sprintf("%d %s %s", ge.Status, ge.Code, ge.Message), "run doctor again; if it persists, see Microsoft 365 service health"
	}
}

var aadstsCode = regexp.MustCompile(`AADSTS\d+:[^"\\\r\n]*`)

// summarizeAzureError keeps azidentity's first line and Entra's AADSTS code and message, not
// the whole HTTP exchange it quotes.
func summarizeAzureError(err error) string {
	msg := err.Error()
	first, _, _ := strings.Cut(msg, "\n")
	if m := aadstsCode.FindString(msg); m != "" && !strings.Contains(first, m) {
		first = strings.TrimSuffix(strings.TrimSpace(first), ":") + ": " + strings.TrimSpace(m)
	}
	return first
}

// doctorPlatforms checks each chat platform the configuration has, with the platform
// serve would build (chatPlatforms). A setting that configs accepts but the platform
// refuses (an id that isn't a Discord id) fails here, as it would fail
// serve; with the configuration already failing, the platform is left unchecked instead.
func doctorPlatforms(ctx context.Context, r *doctorReport, cfg configs.Config, configOK bool) {
	for _, build := range chatPlatforms() {
		p, ok, err := build(cfg, bot.Options{})
		switch {
		case !ok:
			continue
		case err != nil && configOK:
			// The platform's errors name the setting's value, never a token.
			name, errs := configError(err)
			for _, e := range errs {
				r.fail(name+" configuration", e.Error(), "fix the "+name+" settings (see README.md › "+name+")")
			}
			continue
		case err != nil:
			name, _ := configError(err)
			r.skip(name, "not checked: fix the configuration first")
			continue
		}
		checkCtx, cancel := context.WithTimeout(ctx, doctorTimeout)
		for _, f := range p.Check(checkCtx) {
			r.finding(f.Check, f.Problem, f.Fix, f.Unchecked)
		}
		cancel()
	}
}

// leafErrors flattens errors.Join trees, so that each setting gets its own line.
func leafErrors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
