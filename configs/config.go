// Package configs owns licensebot's configuration: one struct, its defaults, loading from
// an optional YAML file and then the environment (the environment wins), and validation with
// errors that name the setting. Nothing else reads the environment.
package configs

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is everything licensebot is told at start.
type Config struct {
	Graph    Graph    `yaml:"graph"`
	Redis    Redis    `yaml:"redis"`
	Approval Approval `yaml:"approval"`
	// TimeZone is the organisation's IANA time zone, for every date the bot shows.
	TimeZone string `yaml:"timeZone"`
	// TenantType is what kind of Microsoft 365 tenant the organisation has: commercial, edu,
	// gcc, gcchigh or dod; empty: the usual one of the Graph cloud (TenantKind). It decides
	// whether Microsoft's policy for unlicensed OneDrive accounts applies (OneDriveExempt).
	TenantType string `yaml:"tenantType"`
	// Language is what the bot speaks to people whose chat locale is neither English nor
	// Turkish, and in shared messages (the approval channel): "en" or "tr".
	Language string `yaml:"language"`
	// MaxTargets bounds the users of one request.
	MaxTargets int `yaml:"maxTargets"`
	// ConfirmTTL is how long a plan waits for the requester's Confirm.
	ConfirmTTL time.Duration `yaml:"confirmTTL"`
	HTTPAddr   string        `yaml:"httpAddr"`
	Log        Log           `yaml:"log"`
	Slack      Slack         `yaml:"slack"`
	Discord    Discord       `yaml:"discord"`
	Teams      Teams         `yaml:"teams"`
	// ShutdownTimeout bounds a graceful stop: in-flight work gets this long to finish.
	ShutdownTimeout time.Duration `yaml:"shutdownTimeout"`
	Jobs            Jobs          `yaml:"jobs"`
	Limits          Limits        `yaml:"limits"`
	// Workspaces are the chat workspaces licensebot serves: "slack:T…" (a Slack workspace),
	// "slack:E…" (an Enterprise Grid organisation), "discord:<server id>", "teams:<tenant id>"
	// (TEAMS_TENANT_ID is added when the list names others). Empty: the Discord servers of
	// DISCORD_GUILD_IDS and any Slack workspace the app is installed in (each request still
	// belongs to the workspace it was made in).
	Workspaces []string `yaml:"workspaces"`
	SignIn     SignIn   `yaml:"signIn"`
	Prices     Prices   `yaml:"prices"`
	// InactiveExclude are the object ids of accounts kept unused on purpose (break-glass
	// accounts, shared mailboxes' owners): /unassign inactive never proposes them.
	InactiveExclude []string `yaml:"inactiveExclude"`
	// SeatReminderDays: a product with unused seats whose subscription moves to its next
	// state within this many days is named to the approvers, once (0: off).
	SeatReminderDays int `yaml:"seatReminderDays"`
}

// Prices are what one seat of each product costs the organisation a month (Microsoft's
// prices depend on the agreement; Graph has none): plans and outcomes show the monthly
// amount freed. Without them, counts only.
type Prices struct {
	// Currency is the ISO 4217 code of every amount, e.g. EUR.
	Currency string `yaml:"currency"`
	// Monthly maps a product's part number (ENTERPRISEPACK) or SKU id to its monthly price
	// per seat, a decimal with at most two decimals ("23.00").
	Monthly map[string]string `yaml:"monthly"`
}

// Minor is each price in the currency's minor unit (cents), by the key as written.
func (p Prices) Minor() (map[string]int64, error) {
	out := map[string]int64{}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(p.Monthly)) {
		v := strings.TrimSpace(p.Monthly[k])
		whole, frac, _ := strings.Cut(v, ".")
		n, err := strconv.ParseInt(whole, 10, 64)
		ok := err == nil && n >= 0 && n < 1e9 && len(frac) <= 2 && whole != ""
		var f int64
		if ok && frac != "" {
			f, err = strconv.ParseInt(frac+strings.Repeat("0", 2-len(frac)), 10, 64)
			ok = err == nil && f >= 0 && !strings.HasPrefix(frac, "-") && !strings.HasPrefix(frac, "+")
		}
		if !ok || strings.HasPrefix(whole, "+") {
			errs = append(errs, fmt.Errorf("LICENSEBOT_PRICES: %s=%q is not an amount such as 23.00", k, v))
			continue
		}
		out[strings.TrimSpace(k)] = n*100 + f
	}
	return out, errors.Join(errs...)
}

// SignIn is signing in with Microsoft: which identity counts, and how recent a sign-in
// must be for a decision. The app registration is Graph's (AZURE_TENANT_ID,
// AZURE_CLIENT_ID) unless named apart.
type SignIn struct {
	// Identity is what makes a chat account an Entra user: "entra" (a link made by signing
	// in with Microsoft) or "email" (the chat profile's address, as before sign-in existed).
	Identity string `yaml:"identity"`
	// TenantID and ClientID: the tenant (a GUID) and the app registration people sign in to.
	TenantID string `yaml:"tenantID"`
	ClientID string `yaml:"clientID"`
	// ClientSecret is sent on the sign-in link's code exchange (a "Web" redirect URI);
	// AZURE_CLIENT_SECRET unless set apart. The device code flow never sends one.
	ClientSecret string `yaml:"-"`
	// AuthorityURL replaces the cloud's sign-in host (GRAPH_CLOUD's): tests, proxies.
	AuthorityURL string `yaml:"authorityURL"`
	// PublicURL is where this licensebot is reachable from people's browsers (https://…):
	// with it, /unassign link also offers a one-time sign-in link, coming back to
	// PublicURL + "/auth/callback".
	PublicURL string `yaml:"publicURL"`
	// ApprovalMaxAge is how recent an approver's sign-in must be (0: no sign-in asked);
	// RequestMaxAge the same for a new request. Only under identity entra.
	ApprovalMaxAge time.Duration `yaml:"approvalMaxAge"`
	RequestMaxAge  time.Duration `yaml:"requestMaxAge"`
	// AuthContext is a Conditional Access authentication context id (c1 to c25) every
	// sign-in asks for and decisions need (a policy on it requiring MFA makes it proof of a
	// second factor); empty: none.
	AuthContext string `yaml:"authContext"`
	// LinkByApproval lets administrators confirm links (/unassign link <address>) under
	// identity entra, and makes those links and DISCORD_USER_MAP's count.
	LinkByApproval bool `yaml:"linkByApproval"`
}

// CallbackPath is where a sign-in link comes back to, under SignIn.PublicURL.
const CallbackPath = "/auth/callback"

// RedirectURL is the sign-in link's redirect URI, or "" without a public URL.
func (s SignIn) RedirectURL() string {
	if s.PublicURL == "" {
		return ""
	}
	return strings.TrimSuffix(s.PublicURL, "/") + CallbackPath
}

// Entra reports whether only signed-in links count.
func (s SignIn) Entra() bool { return s.Identity == "entra" }

// Limits bound the new requests one person and one chat workspace may make per Window;
// a negative count turns a limit off.
type Limits struct {
	UserRequests      int           `yaml:"userRequests"`
	WorkspaceRequests int           `yaml:"workspaceRequests"`
	Window            time.Duration `yaml:"window"`
	// UserDryRuns and WorkspaceDryRuns bound dry runs the same way, apart and higher: a dry
	// run reads every user it names from Graph.
	UserDryRuns      int `yaml:"userDryRuns"`
	WorkspaceDryRuns int `yaml:"workspaceDryRuns"`
}

// Jobs tunes the executor that runs approved requests (every replica runs one).
type Jobs struct {
	// Workers is how many jobs a replica runs at once.
	Workers int `yaml:"workers"`
	// Idle is how long a job may go without its worker's heartbeat before another replica
	// takes it over; and a chat delivery (a command, a click) its holder's, after its
	// acknowledgement (bot.Options.ReclaimAfter).
	Idle time.Duration `yaml:"idle"`
	// ClaimStaleAfter is how long a user whose removal got no answer is left alone before
	// another worker reads the user again and finishes it; keep it above twice the Graph
	// timeout.
	ClaimStaleAfter time.Duration `yaml:"claimStaleAfter"`
	// Sweep is how often each replica looks for requests whose deadline has come (expiry,
	// a scheduled request's time, a delivery to try again).
	Sweep time.Duration `yaml:"sweep"`
	// InFlight and MaxInFlight: batches of 20 users a job starts with, and grows to while
	// Graph doesn't throttle.
	InFlight    int `yaml:"inFlight"`
	MaxInFlight int `yaml:"maxInFlight"`
}

// Slack is the Slack app. Socket Mode with an app-level token, or HTTP mode with the
// signing secret; the bot token in both.
type Slack struct {
	BotToken      string `yaml:"-"`
	AppToken      string `yaml:"-"`
	SigningSecret string `yaml:"-"`
	// APIURL is the Web API base, ending with "/".
	APIURL string `yaml:"apiURL"`
	// ApprovalChannel is the channel id where approval requests are posted.
	ApprovalChannel string `yaml:"approvalChannel"`
}

// Discord is the Discord application. The bot token always (REST calls); the public key for
// the HTTP interactions endpoint, else interactions come over the gateway.
type Discord struct {
	BotToken      string `yaml:"-"`
	PublicKey     string `yaml:"publicKey"`
	ApplicationID string `yaml:"applicationID"`
	// GuildIDs are the servers /unassign is registered in; empty: globally.
	GuildIDs          []string `yaml:"guildIDs"`
	ApprovalChannelID string   `yaml:"approvalChannelID"`
	ApproverRoleIDs   []string `yaml:"approverRoleIDs"`
	// UserMap maps Discord user ids to Entra UPNs (a bot can't see e-mail addresses): links
	// fixed by configuration, which /unassign link can't change.
	UserMap map[string]string `yaml:"userMap"`
	APIURL  string            `yaml:"apiURL"`
}

// Teams is the Microsoft Teams bot: an Azure Bot resource's Microsoft App ID and its
// client secret (single tenant), whose messaging endpoint is <public URL>/api/messages.
type Teams struct {
	AppID       string `yaml:"appID"`
	AppPassword string `yaml:"-"`
	// TenantID is the tenant the bot serves: activities from any other are refused, and its
	// token endpoint gives the bot's tokens. Default: AZURE_TENANT_ID.
	TenantID string `yaml:"tenantID"`
	// ApprovalChannel is the conversation id of the Teams channel approval and link requests
	// are posted to ("19:…@thread.tacv2"), in a team where the app is installed.
	ApprovalChannel string `yaml:"approvalChannel"`
	// OpenIDMetadataURL and TokenURL: the Bot Framework's OpenID metadata and the identity
	// platform's token endpoint; defaults Microsoft's (tests point them at a fake).
	OpenIDMetadataURL string `yaml:"openIDMetadataURL"`
	TokenURL          string `yaml:"tokenURL"`
}

// Enabled reports whether a Teams bot is configured.
func (t Teams) Enabled() bool { return t.AppID != "" || t.AppPassword != "" }

// Enabled reports whether a Discord application is configured.
func (d Discord) Enabled() bool {
	return d.BotToken != "" || d.PublicKey != "" || d.ApplicationID != ""
}

// HTTPInteractions reports whether interactions arrive at POST /discord/interactions.
func (d Discord) HTTPInteractions() bool { return d.PublicKey != "" }

// SocketMode reports whether Slack is reached over Socket Mode (no public URL needed).
func (s Slack) SocketMode() bool { return s.AppToken != "" }

// Enabled reports whether a Slack app is configured at all.
func (s Slack) Enabled() bool { return s.BotToken != "" || s.AppToken != "" || s.SigningSecret != "" }

// Graph is how to reach Microsoft Graph.
type Graph struct {
	// Cloud is global, usgov, usgovdod or china.
	Cloud   string `yaml:"cloud"`
	BaseURL string `yaml:"baseURL"`
	// The app registration. With a secret, a certificate, workload identity (the federated
	// token file of AKS) or a managed identity.
	TenantID            string `yaml:"tenantID"`
	ClientID            string `yaml:"clientID"`
	ClientSecret        string `yaml:"-"`
	CertificatePath     string `yaml:"certificatePath"`
	CertificatePassword string `yaml:"-"`
	WorkloadIdentity    bool   `yaml:"workloadIdentity"`
	ManagedIdentity     bool   `yaml:"managedIdentity"`
	// AccessToken is a static bearer token, for local use only.
	AccessToken string        `yaml:"-"`
	Timeout     time.Duration `yaml:"timeout"`
}

// Redis is where requests live.
type Redis struct {
	URL       string `yaml:"url"`
	KeyPrefix string `yaml:"keyPrefix"`
	// AuditRetention is how long the audit record keeps an entry. serve trims by it and
	// `licensebot audit verify` judges by it what may have expired: both read this one value.
	AuditRetention time.Duration `yaml:"auditRetention"`
}

// Validate checks the Redis settings: serve's validation and the audit commands (which
// need nothing else) both call it.
func (r Redis) Validate() error {
	if r.AuditRetention < time.Hour {
		return fmt.Errorf("LICENSEBOT_AUDIT_RETENTION: %s is too short: the audit record must outlive the requests it tells of (at least 1h; 720h is 30 days)", r.AuditRetention)
	}
	return nil
}

// Approval is who may ask and who approves.
type Approval struct {
	// Policy is approvers, manager or none.
	Policy string `yaml:"policy"`
	// Approvers are Entra UPNs, mails or object ids, or chat user or group ids.
	Approvers []string `yaml:"approvers"`
	// AdminRoles are directory role template ids allowed to ask; empty: Global, License and
	// User Administrator.
	AdminRoles []string      `yaml:"adminRoles"`
	TTL        time.Duration `yaml:"ttl"`
	// Undo is who approves an undo: "policy" (the same as a removal: Policy) or "none" (the
	// undoer's confirmation alone).
	Undo string `yaml:"undo"`
}

// Log is how licensebot logs.
type Log struct {
	Format string `yaml:"format"` // json or text
	Level  string `yaml:"level"`  // debug, info, warn, error
}

// Default is the configuration before any file or variable.
func Default() Config {
	return Config{
		Graph:           Graph{Cloud: "global", Timeout: 30 * time.Second},
		Redis:           Redis{KeyPrefix: "licensebot", AuditRetention: 30 * 24 * time.Hour},
		Approval:        Approval{Policy: "approvers", TTL: 72 * time.Hour, Undo: "policy"},
		TimeZone:        "UTC",
		Language:        "en",
		MaxTargets:      1000,
		ConfirmTTL:      15 * time.Minute,
		HTTPAddr:        ":8080",
		Log:             Log{Format: "json", Level: "info"},
		Slack:           Slack{APIURL: "https://slack.com/api/"},
		ShutdownTimeout: 25 * time.Second,
		Limits:          Limits{UserRequests: 30, WorkspaceRequests: 300, Window: 10 * time.Minute, UserDryRuns: 100, WorkspaceDryRuns: 1000},
		Jobs:            Jobs{Workers: 2, Sweep: 30 * time.Second, Idle: 30 * time.Second, ClaimStaleAfter: 2 * time.Minute, InFlight: 4, MaxInFlight: 16},
		SignIn:          SignIn{Identity: "entra", ApprovalMaxAge: 8 * time.Hour},
	}
}

// Load reads the YAML file named by LICENSEBOT_CONFIG (if any), then the environment.
// Secrets are read from the environment only, never from the file.
func Load(getenv func(string) string) (Config, error) {
	c := Default()
	if path := getenv("LICENSEBOT_CONFIG"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("LICENSEBOT_CONFIG: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("LICENSEBOT_CONFIG %s: %w", path, err)
		}
	}
	var errs []error
	str := func(dst *string, name string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	dur := func(dst *time.Duration, name string) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a positive duration such as 15m or 72h", name, v))
				return
			}
			*dst = d
		}
	}
	boolean := func(dst *bool, name string) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not true or false", name, v))
				return
			}
			*dst = b
		}
	}
	list := func(dst *[]string, name string) {
		if v := getenv(name); v != "" {
			*dst = splitList(v)
		}
	}
	str(&c.Graph.Cloud, "GRAPH_CLOUD")
	str(&c.Graph.BaseURL, "GRAPH_BASE_URL")
	str(&c.Graph.AccessToken, "GRAPH_ACCESS_TOKEN")
	str(&c.Graph.TenantID, "AZURE_TENANT_ID")
	str(&c.Graph.ClientID, "AZURE_CLIENT_ID")
	str(&c.Graph.ClientSecret, "AZURE_CLIENT_SECRET")
	str(&c.Graph.CertificatePath, "AZURE_CLIENT_CERTIFICATE_PATH")
	str(&c.Graph.CertificatePassword, "AZURE_CLIENT_CERTIFICATE_PASSWORD")
	boolean(&c.Graph.ManagedIdentity, "LICENSEBOT_MANAGED_IDENTITY")
	if getenv("AZURE_FEDERATED_TOKEN_FILE") != "" {
		c.Graph.WorkloadIdentity = true
	}
	dur(&c.Graph.Timeout, "GRAPH_TIMEOUT")
	str(&c.Redis.URL, "REDIS_URL")
	str(&c.Redis.KeyPrefix, "LICENSEBOT_REDIS_PREFIX")
	str(&c.Approval.Policy, "LICENSEBOT_APPROVAL_POLICY")
	list(&c.Approval.Approvers, "LICENSEBOT_APPROVERS")
	list(&c.Approval.AdminRoles, "LICENSEBOT_ADMIN_ROLES")
	dur(&c.Approval.TTL, "LICENSEBOT_APPROVAL_TTL")
	str(&c.Approval.Undo, "LICENSEBOT_UNDO_APPROVAL")
	dur(&c.ConfirmTTL, "LICENSEBOT_CONFIRM_TTL")
	str(&c.TimeZone, "LICENSEBOT_TIMEZONE")
	str(&c.TenantType, "LICENSEBOT_TENANT_TYPE")
	str(&c.Language, "LICENSEBOT_LANGUAGE")
	str(&c.HTTPAddr, "LICENSEBOT_HTTP_ADDR")
	str(&c.Log.Format, "LICENSEBOT_LOG_FORMAT")
	str(&c.Log.Level, "LICENSEBOT_LOG_LEVEL")
	str(&c.Slack.BotToken, "SLACK_BOT_TOKEN")
	str(&c.Slack.AppToken, "SLACK_APP_TOKEN")
	str(&c.Slack.SigningSecret, "SLACK_SIGNING_SECRET")
	str(&c.Slack.APIURL, "SLACK_API_URL")
	str(&c.Slack.ApprovalChannel, "LICENSEBOT_APPROVAL_CHANNEL")
	dur(&c.ShutdownTimeout, "LICENSEBOT_SHUTDOWN_TIMEOUT")
	dur(&c.Jobs.Idle, "LICENSEBOT_JOB_IDLE")
	dur(&c.Jobs.Sweep, "LICENSEBOT_SWEEP_INTERVAL")
	dur(&c.Redis.AuditRetention, "LICENSEBOT_AUDIT_RETENTION")
	dur(&c.Limits.Window, "LICENSEBOT_LIMIT_WINDOW")
	dur(&c.Jobs.ClaimStaleAfter, "LICENSEBOT_CLAIM_STALE_AFTER")
	str(&c.Discord.BotToken, "DISCORD_BOT_TOKEN")
	str(&c.Discord.PublicKey, "DISCORD_PUBLIC_KEY")
	str(&c.Discord.ApplicationID, "DISCORD_APPLICATION_ID")
	list(&c.Discord.GuildIDs, "DISCORD_GUILD_IDS")
	str(&c.Discord.ApprovalChannelID, "DISCORD_APPROVAL_CHANNEL_ID")
	list(&c.Discord.ApproverRoleIDs, "DISCORD_APPROVER_ROLE_IDS")
	str(&c.Discord.APIURL, "DISCORD_API_URL")
	str(&c.Teams.AppID, "TEAMS_APP_ID")
	str(&c.Teams.AppPassword, "TEAMS_APP_PASSWORD")
	str(&c.Teams.TenantID, "TEAMS_TENANT_ID")
	str(&c.Teams.ApprovalChannel, "TEAMS_APPROVAL_CHANNEL")
	str(&c.Teams.OpenIDMetadataURL, "TEAMS_OPENID_METADATA_URL")
	str(&c.Teams.TokenURL, "TEAMS_TOKEN_URL")
	if c.Teams.TenantID == "" {
		c.Teams.TenantID = c.Graph.TenantID
	}
	if v := getenv("DISCORD_USER_MAP"); v != "" {
		m, err := parseUserMap(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DISCORD_USER_MAP: %w", err))
		} else {
			c.Discord.UserMap = m
		}
	}
	if c.Slack.APIURL != "" && !strings.HasSuffix(c.Slack.APIURL, "/") {
		// slack-go joins method names straight onto the base.
		c.Slack.APIURL += "/"
	}
	count := func(dst *int, name string) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a positive whole number", name, v))
			} else {
				*dst = n
			}
		}
	}
	count(&c.MaxTargets, "LICENSEBOT_MAX_TARGETS")
	limit := func(dst *int, name string) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n == 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a whole number of requests (negative: no limit)", name, v))
			} else {
				*dst = n
			}
		}
	}
	limit(&c.Limits.UserRequests, "LICENSEBOT_USER_REQUESTS")
	limit(&c.Limits.WorkspaceRequests, "LICENSEBOT_WORKSPACE_REQUESTS")
	limit(&c.Limits.UserDryRuns, "LICENSEBOT_USER_DRY_RUNS")
	limit(&c.Limits.WorkspaceDryRuns, "LICENSEBOT_WORKSPACE_DRY_RUNS")
	list(&c.Workspaces, "LICENSEBOT_WORKSPACES")
	list(&c.InactiveExclude, "LICENSEBOT_INACTIVE_EXCLUDE")
	if v := getenv("LICENSEBOT_SEAT_REMINDER_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 365 {
			errs = append(errs, fmt.Errorf("LICENSEBOT_SEAT_REMINDER_DAYS: %q is not a number of days from 0 (off) to 365", v))
		} else {
			c.SeatReminderDays = n
		}
	}
	str(&c.Prices.Currency, "LICENSEBOT_CURRENCY")
	if v := getenv("LICENSEBOT_PRICES"); v != "" {
		c.Prices.Monthly = map[string]string{}
		for _, pair := range splitList(v) {
			k, amount, ok := strings.Cut(pair, "=")
			if !ok || strings.TrimSpace(k) == "" {
				errs = append(errs, fmt.Errorf("LICENSEBOT_PRICES: %q is not PART_NUMBER=amount", pair))
				continue
			}
			c.Prices.Monthly[strings.TrimSpace(k)] = strings.TrimSpace(amount)
		}
	}
	str(&c.SignIn.Identity, "LICENSEBOT_IDENTITY")
	c.SignIn.Identity = strings.ToLower(c.SignIn.Identity)
	str(&c.SignIn.TenantID, "LICENSEBOT_SIGNIN_TENANT_ID")
	str(&c.SignIn.ClientID, "LICENSEBOT_SIGNIN_CLIENT_ID")
	str(&c.SignIn.ClientSecret, "LICENSEBOT_SIGNIN_CLIENT_SECRET")
	str(&c.SignIn.AuthorityURL, "LICENSEBOT_SIGNIN_AUTHORITY")
	str(&c.SignIn.PublicURL, "LICENSEBOT_PUBLIC_URL")
	str(&c.SignIn.AuthContext, "LICENSEBOT_SIGNIN_AUTH_CONTEXT")
	boolean(&c.SignIn.LinkByApproval, "LICENSEBOT_LINK_BY_APPROVAL")
	window := func(dst *time.Duration, name string) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if v == "0" {
				d, err = 0, nil
			}
			if err != nil || d < 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration such as 8h (0: no sign-in asked)", name, v))
				return
			}
			*dst = d
		}
	}
	window(&c.SignIn.ApprovalMaxAge, "LICENSEBOT_APPROVAL_SIGNIN_MAX_AGE")
	window(&c.SignIn.RequestMaxAge, "LICENSEBOT_REQUEST_SIGNIN_MAX_AGE")
	// The sign-in app registration is Graph's unless named apart.
	if c.SignIn.TenantID == "" {
		c.SignIn.TenantID = c.Graph.TenantID
	}
	if c.SignIn.ClientID == "" {
		c.SignIn.ClientID = c.Graph.ClientID
	}
	if c.SignIn.ClientSecret == "" {
		c.SignIn.ClientSecret = c.Graph.ClientSecret
	}
	count(&c.Jobs.Workers, "LICENSEBOT_WORKERS")
	count(&c.Jobs.InFlight, "LICENSEBOT_JOB_IN_FLIGHT")
	count(&c.Jobs.MaxInFlight, "LICENSEBOT_JOB_MAX_IN_FLIGHT")
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate checks the settings that don't depend on which command runs.
func (c Config) Validate() error {
	var errs []error
	switch c.Graph.Cloud {
	case "global", "usgov", "usgovdod", "china":
	default:
		errs = append(errs, fmt.Errorf("GRAPH_CLOUD: %q is not one of global, usgov, usgovdod, china", c.Graph.Cloud))
	}
	switch c.Approval.Policy {
	case "approvers":
		if len(c.Approval.Approvers) == 0 && len(c.Discord.ApproverRoleIDs) == 0 {
			errs = append(errs, errors.New("LICENSEBOT_APPROVERS: the approvers policy needs at least one approver (or DISCORD_APPROVER_ROLE_IDS, or set LICENSEBOT_APPROVAL_POLICY to manager)"))
		}
	case "manager", "none":
	default:
		errs = append(errs, fmt.Errorf("LICENSEBOT_APPROVAL_POLICY: %q is not one of approvers, manager, none", c.Approval.Policy))
	}
	for _, w := range c.Workspaces {
		platform, id, ok := strings.Cut(w, ":")
		if !ok || id == "" || (platform != "slack" && platform != "discord" && platform != "teams") {
			errs = append(errs, fmt.Errorf("LICENSEBOT_WORKSPACES: %q is not slack:<team or enterprise id>, discord:<server id> or teams:<tenant id>", w))
		}
	}
	switch c.Approval.Undo {
	case "policy", "none":
	default:
		errs = append(errs, fmt.Errorf("LICENSEBOT_UNDO_APPROVAL: %q is not policy (approved like a removal) or none (the undoer's confirmation alone)", c.Approval.Undo))
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		errs = append(errs, fmt.Errorf("LICENSEBOT_TIMEZONE: %q is not an IANA time zone such as Europe/Istanbul", c.TimeZone))
	}
	switch c.TenantType {
	case "", "commercial", "edu", "gcc", "gcchigh", "dod":
	default:
		errs = append(errs, fmt.Errorf("LICENSEBOT_TENANT_TYPE: %q is not one of commercial, edu, gcc, gcchigh, dod", c.TenantType))
	}
	switch c.Language {
	case "en", "tr":
	default:
		errs = append(errs, fmt.Errorf("LICENSEBOT_LANGUAGE: %q is not en (English) or tr (Turkish)", c.Language))
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("LICENSEBOT_LOG_FORMAT: %q is not json or text", c.Log.Format))
	}
	if c.Jobs.ClaimStaleAfter < 2*c.Graph.Timeout {
		// A worker sends only in the first half of the claim's life; the call must end
		// before the mark can be taken over.
		errs = append(errs, fmt.Errorf("LICENSEBOT_CLAIM_STALE_AFTER: %s must be at least twice the Graph timeout (%s)", c.Jobs.ClaimStaleAfter, c.Graph.Timeout))
	}
	if c.Jobs.Idle < 3*time.Millisecond {
		errs = append(errs, fmt.Errorf("LICENSEBOT_JOB_IDLE: %s is too short", c.Jobs.Idle))
	}
	if err := c.Redis.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.SignIn.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, id := range c.InactiveExclude {
		if !isGUID(id) {
			errs = append(errs, fmt.Errorf("LICENSEBOT_INACTIVE_EXCLUDE: %q is not a user's object id (a GUID)", id))
		}
	}
	if len(c.Prices.Monthly) > 0 {
		if cur := c.Prices.Currency; len(cur) != 3 || strings.ToUpper(cur) != cur || strings.ContainsFunc(cur, func(r rune) bool { return r < 'A' || r > 'Z' }) {
			errs = append(errs, fmt.Errorf("LICENSEBOT_CURRENCY: %q is not an ISO 4217 code such as EUR or USD (prices need one)", cur))
		}
		if _, err := c.Prices.Minor(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Validate checks the sign-in settings that don't depend on the command. That a tenant and
// app are named is ServeSignIn's check: the demo signs nobody in.
func (s SignIn) Validate() error {
	var errs []error
	switch s.Identity {
	case "entra", "email":
	default:
		errs = append(errs, fmt.Errorf("LICENSEBOT_IDENTITY: %q is not entra (signed-in links only) or email (the chat profile's address)", s.Identity))
	}
	if s.PublicURL != "" {
		u, err := url.Parse(s.PublicURL)
		local := err == nil && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1")
		if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Scheme != "https" && !(u.Scheme == "http" && local)) {
			// Entra accepts http redirect URIs for localhost only.
			errs = append(errs, fmt.Errorf("LICENSEBOT_PUBLIC_URL: %q is not an https:// URL (http:// only for localhost)", s.PublicURL))
		}
	}
	if c := s.AuthContext; c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "c"))
		if !strings.HasPrefix(c, "c") || err != nil || n < 1 || n > 99 {
			// Authentication context ids are c1 to c99: Graph's authContext resource,
			// https://learn.microsoft.com/graph/api/resources/authcontext
			// ("Supported values are c1 through c99").
			errs = append(errs, fmt.Errorf("LICENSEBOT_SIGNIN_AUTH_CONTEXT: %q is not an authentication context id such as c1", c))
		}
	}
	return errors.Join(errs...)
}

// ServeSignIn checks what serve needs to sign people in under identity entra: the tenant
// (a GUID) and the app registration. Under email, signing in is offered only when both are
// GUIDs (SignInConfigured), and nothing is required.
func (s SignIn) ServeSignIn() error {
	if !s.Entra() {
		return nil
	}
	var errs []error
	if !isGUID(s.TenantID) {
		errs = append(errs, fmt.Errorf("AZURE_TENANT_ID (or LICENSEBOT_SIGNIN_TENANT_ID): %q is not a tenant id (a GUID); signing in with Microsoft needs it (or set LICENSEBOT_IDENTITY=email)", s.TenantID))
	}
	if !isGUID(s.ClientID) {
		errs = append(errs, fmt.Errorf("AZURE_CLIENT_ID (or LICENSEBOT_SIGNIN_CLIENT_ID): %q is not an application (client) id (a GUID); signing in with Microsoft needs it (or set LICENSEBOT_IDENTITY=email)", s.ClientID))
	}
	return errors.Join(errs...)
}

// SignInConfigured reports whether serve can offer signing in with Microsoft.
func (s SignIn) SignInConfigured() bool { return isGUID(s.TenantID) && isGUID(s.ClientID) }

// isGUID reports whether s is a GUID in its usual form (8-4-4-4-12 hexadecimal digits).
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !isHexDigit(c):
			return false
		}
	}
	return true
}

func isHexDigit(c rune) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// ValidateServe checks what `licensebot serve` needs on top: Redis and exactly one way to
// get a Graph token.
func (c Config) ValidateServe() error {
	var errs []error
	if err := c.SignIn.ServeSignIn(); err != nil {
		errs = append(errs, err)
	}
	if c.Redis.URL == "" {
		errs = append(errs, errors.New("REDIS_URL: not set (e.g. redis://localhost:6379/0)"))
	}
	ways := 0
	if c.Graph.AccessToken != "" {
		ways++
	}
	if c.Graph.ClientSecret != "" {
		ways++
	}
	if c.Graph.CertificatePath != "" {
		ways++
	}
	if c.Graph.WorkloadIdentity {
		ways++
	}
	if c.Graph.ManagedIdentity {
		ways++
	}
	switch {
	case ways == 0:
		errs = append(errs, errors.New("Graph credentials: set AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, workload identity (AZURE_FEDERATED_TOKEN_FILE), LICENSEBOT_MANAGED_IDENTITY=true, or GRAPH_ACCESS_TOKEN"))
	case ways > 1:
		errs = append(errs, errors.New("Graph credentials: more than one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, workload identity, managed identity and GRAPH_ACCESS_TOKEN is set; keep one"))
	}
	if (c.Graph.ClientSecret != "" || c.Graph.CertificatePath != "") && (c.Graph.TenantID == "" || c.Graph.ClientID == "") {
		errs = append(errs, errors.New("AZURE_TENANT_ID and AZURE_CLIENT_ID: both are needed with a client secret or certificate"))
	}
	s := c.Slack
	switch {
	case !s.Enabled() && !c.Discord.Enabled() && !c.Teams.Enabled():
		errs = append(errs, errors.New("SLACK_BOT_TOKEN, DISCORD_BOT_TOKEN or TEAMS_APP_ID: no chat platform is configured; set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode), and/or DISCORD_BOT_TOKEN with DISCORD_APPLICATION_ID, and/or TEAMS_APP_ID with TEAMS_APP_PASSWORD"))
	case !s.Enabled():
	case s.BotToken == "":
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: not set (xoxb-…, from the app's OAuth & Permissions page)"))
	case s.AppToken == "" && s.SigningSecret == "":
		errs = append(errs, errors.New("SLACK_APP_TOKEN or SLACK_SIGNING_SECRET: set one: the app-level token for Socket Mode, or the signing secret for HTTP mode"))
	case s.AppToken != "" && s.SigningSecret != "":
		errs = append(errs, errors.New("SLACK_APP_TOKEN and SLACK_SIGNING_SECRET: both are set; Slack delivers over Socket Mode or over HTTP, not both: keep one"))
	}
	if s.Enabled() {
		if s.AppToken != "" && !strings.HasPrefix(s.AppToken, "xapp-") {
			errs = append(errs, errors.New("SLACK_APP_TOKEN: an app-level token starts with xapp-"))
		}
		if s.BotToken != "" && !strings.HasPrefix(s.BotToken, "xoxb-") {
			errs = append(errs, errors.New("SLACK_BOT_TOKEN: a bot token starts with xoxb-"))
		}
		if c.Approval.Policy == "approvers" && s.ApprovalChannel == "" {
			errs = append(errs, errors.New("LICENSEBOT_APPROVAL_CHANNEL: the approvers policy posts approval requests to a channel: set its id (C…)"))
		}
	}
	if d := c.Discord; d.Enabled() {
		if d.BotToken == "" {
			errs = append(errs, errors.New("DISCORD_BOT_TOKEN: not set (the bot's token, from the developer portal's Bot page)"))
		}
		if d.ApplicationID == "" {
			errs = append(errs, errors.New("DISCORD_APPLICATION_ID: not set (the developer portal's General Information page)"))
		}
		if d.PublicKey != "" && !isHex(d.PublicKey, 64) {
			errs = append(errs, errors.New("DISCORD_PUBLIC_KEY: an Ed25519 public key is 64 hexadecimal characters"))
		}
		if d.ApprovalChannelID == "" {
			errs = append(errs, errors.New("DISCORD_APPROVAL_CHANNEL_ID: approval and link requests are posted there: set the channel id"))
		}
		if len(d.ApproverRoleIDs) == 0 {
			errs = append(errs, errors.New("DISCORD_APPROVER_ROLE_IDS: set the roles whose members approve (their approval and link requests mention them)"))
		}
		for _, id := range slices.Sorted(maps.Keys(d.UserMap)) {
			if !isDiscordID(id) {
				errs = append(errs, fmt.Errorf("DISCORD_USER_MAP: %q is not a Discord user id (up to 20 digits)", id))
			}
		}
	}
	if t := c.Teams; t.Enabled() {
		if !isGUID(t.AppID) {
			errs = append(errs, errors.New("TEAMS_APP_ID: the Azure Bot's Microsoft App ID, a GUID (its Configuration page)"))
		}
		if t.AppPassword == "" {
			errs = append(errs, errors.New("TEAMS_APP_PASSWORD: not set (a client secret of the bot's app registration: Certificates & secrets)"))
		}
		if !isGUID(t.TenantID) {
			errs = append(errs, errors.New("TEAMS_TENANT_ID: the tenant the bot serves, a GUID (default AZURE_TENANT_ID, which isn't set either)"))
		}
		if t.ApprovalChannel != "" && !strings.HasPrefix(t.ApprovalChannel, "19:") {
			errs = append(errs, errors.New("TEAMS_APPROVAL_CHANNEL: a channel's conversation id starts with 19: (e.g. 19:…@thread.tacv2; in Teams: the channel's … menu, Get link to channel, the part after /channel/, URL-decoded)"))
		}
		if c.Approval.Policy == "approvers" && t.ApprovalChannel == "" {
			errs = append(errs, errors.New("TEAMS_APPROVAL_CHANNEL: the approvers policy posts approval requests to a channel: set the Teams channel's conversation id (19:…@thread.tacv2)"))
		}
	}
	return errors.Join(errs...)
}

// AllowedWorkspaces are the workspaces licensebot serves (handlers.Options.Workspaces):
// Workspaces, or when it is empty and DISCORD_GUILD_IDS names servers, those servers; when
// Slack is configured too, Workspaces must name its workspaces, or nothing limits either.
//
// Teams serves one tenant (TEAMS_TENANT_ID, checked on every activity): when the list names
// any workspace and no Teams one, that tenant is added, so that listing Slack workspaces or
// Discord servers doesn't shut Teams out.
func (c Config) AllowedWorkspaces() []string {
	var out []string
	switch {
	case len(c.Workspaces) > 0:
		out = slices.Clone(c.Workspaces)
	case c.Slack.Enabled():
		return nil
	default:
		for _, g := range c.Discord.GuildIDs {
			out = append(out, "discord:"+g)
		}
	}
	if len(out) > 0 && c.Teams.Enabled() && !slices.ContainsFunc(out, func(w string) bool { return strings.HasPrefix(strings.ToLower(w), "teams:") }) {
		out = append(out, "teams:"+strings.ToLower(c.Teams.TenantID))
	}
	return out
}

// AllApprovers are the approvers the handlers match (handlers.Options.Approvers):
// LICENSEBOT_APPROVERS, and the Discord approver roles, since a Discord member is an
// approver through their roles (an actor's groups are its role ids).
func (c Config) AllApprovers() []string {
	return append(slices.Clone(c.Approval.Approvers), c.Discord.ApproverRoleIDs...)
}

// UndoPolicy is the approval policy of an undo: the removals' unless Undo is "none".
func (c Config) UndoPolicy() string {
	if c.Approval.Undo == "none" {
		return "none"
	}
	return c.Approval.Policy
}

// TenantKind is TenantType, or when it isn't set the usual kind of tenant in the Graph cloud:
// US Government L4 (usgov) serves GCC High, L5 (usgovdod) DoD; GCC moderate and EDU tenants
// use the global cloud and must say so.
func (c Config) TenantKind() string {
	if c.TenantType != "" {
		return c.TenantType
	}
	switch c.Graph.Cloud {
	case "usgov":
		return "gcchigh"
	case "usgovdod":
		return "dod"
	}
	return "commercial"
}

// OneDriveExempt reports whether Microsoft's policy for unlicensed OneDrive accounts
// (read-only after 60 days, archived or deleted after 93) doesn't apply: "These changes do
// not apply to EDU, GCC, or DoD customers" ("Manage unlicensed OneDrive user accounts",
// https://learn.microsoft.com/sharepoint/unlicensed-onedrive-accounts). GCC High is counted
// with GCC.
func (c Config) OneDriveExempt() bool {
	switch c.TenantKind() {
	case "edu", "gcc", "gcchigh", "dod":
		return true
	}
	return false
}

// Location is the organisation's time zone.
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseUserMap reads "discordID=upn,discordID=upn".
func parseUserMap(v string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range splitList(v) {
		id, upn, ok := strings.Cut(pair, "=")
		if !ok || id == "" || !strings.Contains(upn, "@") {
			return nil, fmt.Errorf("%q is not discord-user-id=upn", pair)
		}
		m[strings.TrimSpace(id)] = strings.TrimSpace(upn)
	}
	return m, nil
}

// isDiscordID reports whether s can be a Discord id (a snowflake: up to 20 digits).
func isDiscordID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
