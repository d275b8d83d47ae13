package configs

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "licensebot.yaml")
	if err := os.WriteFile(file, []byte("approval:\n  policy: manager\ntimeZone: Europe/Istanbul\nmaxTargets: 40\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{name: "defaults need an approver", env: map[string]string{}, wantErr: "LICENSEBOT_APPROVERS"},
		{name: "environment sets everything", env: map[string]string{
			"LICENSEBOT_APPROVERS": "megan@contoso.com, U024BE7LH;S0614TZR7", "GRAPH_CLOUD": "china", "LICENSEBOT_CONFIRM_TTL": "5m",
			"REDIS_URL": "redis://r:6379/0", "LICENSEBOT_MAX_TARGETS": "20",
		}, check: func(t *testing.T, c Config) {
			if len(c.Approval.Approvers) != 3 || c.Approval.Approvers[1] != "U024BE7LH" {
				t.Errorf("approvers %q", c.Approval.Approvers)
			}
			if c.Graph.Cloud != "china" || c.ConfirmTTL != 5*time.Minute || c.Redis.URL != "redis://r:6379/0" || c.MaxTargets != 20 {
				t.Errorf("config %+v", c)
			}
		}},
		{name: "file first, environment wins", env: map[string]string{"LICENSEBOT_CONFIG": file, "LICENSEBOT_MAX_TARGETS": "7"},
			check: func(t *testing.T, c Config) {
				if c.Approval.Policy != "manager" || c.TimeZone != "Europe/Istanbul" || c.MaxTargets != 7 {
					t.Errorf("config %+v", c)
				}
			}},
		{name: "unknown cloud is named", env: map[string]string{"GRAPH_CLOUD": "mars", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "GRAPH_CLOUD"},
		{name: "bad duration is named", env: map[string]string{"LICENSEBOT_CONFIRM_TTL": "soon", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_CONFIRM_TTL"},
		{name: "bad time zone is named", env: map[string]string{"LICENSEBOT_TIMEZONE": "Mars/Olympus", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_TIMEZONE"},
		{name: "bad policy is named", env: map[string]string{"LICENSEBOT_APPROVAL_POLICY": "vote"}, wantErr: "LICENSEBOT_APPROVAL_POLICY"},
		{name: "a workspace without its platform is named", env: map[string]string{"LICENSEBOT_WORKSPACES": "T0123", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_WORKSPACES"},
		{name: "bad undo approval is named", env: map[string]string{"LICENSEBOT_UNDO_APPROVAL": "maybe", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_UNDO_APPROVAL"},
		{name: "bad tenant type is named", env: map[string]string{"LICENSEBOT_TENANT_TYPE": "government", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_TENANT_TYPE"},
		{name: "audit retention defaults to 30 days", env: map[string]string{"LICENSEBOT_APPROVAL_POLICY": "none"},
			check: func(t *testing.T, c Config) {
				if c.Redis.AuditRetention != 30*24*time.Hour {
					t.Errorf("audit retention %s", c.Redis.AuditRetention)
				}
			}},
		{name: "audit retention is read", env: map[string]string{"LICENSEBOT_AUDIT_RETENTION": "2160h", "LICENSEBOT_APPROVAL_POLICY": "none"},
			check: func(t *testing.T, c Config) {
				if c.Redis.AuditRetention != 90*24*time.Hour {
					t.Errorf("audit retention %s", c.Redis.AuditRetention)
				}
			}},
		{name: "too short an audit retention is named", env: map[string]string{"LICENSEBOT_AUDIT_RETENTION": "10m", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_AUDIT_RETENTION"},
		{name: "an unknown identity mode is named", env: map[string]string{"LICENSEBOT_IDENTITY": "profile", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_IDENTITY"},
		{name: "a public URL over http is named", env: map[string]string{"LICENSEBOT_PUBLIC_URL": "http://licensebot.contoso.example", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_PUBLIC_URL"},
		{name: "an authentication context that isn't one is named", env: map[string]string{"LICENSEBOT_SIGNIN_AUTH_CONTEXT": "mfa", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_SIGNIN_AUTH_CONTEXT"},
		{name: "a negative sign-in window is named", env: map[string]string{"LICENSEBOT_APPROVAL_SIGNIN_MAX_AGE": "-1h", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_APPROVAL_SIGNIN_MAX_AGE"},
		{name: "sign-in settings", env: map[string]string{"LICENSEBOT_APPROVAL_SIGNIN_MAX_AGE": "0", "LICENSEBOT_REQUEST_SIGNIN_MAX_AGE": "1h", "LICENSEBOT_LINK_BY_APPROVAL": "true",
			"AZURE_TENANT_ID": "t1", "AZURE_CLIENT_ID": "c1", "AZURE_CLIENT_SECRET": "s1", "LICENSEBOT_SIGNIN_CLIENT_SECRET": "s2", "LICENSEBOT_PUBLIC_URL": "http://localhost:8080/", "LICENSEBOT_APPROVAL_POLICY": "none"},
			check: func(t *testing.T, c Config) {
				s := c.SignIn
				if s.Identity != "entra" || s.ApprovalMaxAge != 0 || s.RequestMaxAge != time.Hour || !s.LinkByApproval || s.TenantID != "t1" || s.ClientID != "c1" || s.ClientSecret != "s2" {
					t.Errorf("sign-in %+v", s)
				}
				if s.RedirectURL() != "http://localhost:8080/auth/callback" {
					t.Errorf("redirect %q", s.RedirectURL())
				}
			}},
		{name: "prices", env: map[string]string{"LICENSEBOT_PRICES": "ENTERPRISEPACK=23, POWER_BI_PRO=9.9,6fd2c87f-b296-42f0-b197-1e91e994b900=0.05", "LICENSEBOT_CURRENCY": "EUR", "LICENSEBOT_APPROVAL_POLICY": "none"},
			check: func(t *testing.T, c Config) {
				m, err := c.Prices.Minor()
				if err != nil || m["ENTERPRISEPACK"] != 2300 || m["POWER_BI_PRO"] != 990 || m["6fd2c87f-b296-42f0-b197-1e91e994b900"] != 5 || c.Prices.Currency != "EUR" {
					t.Errorf("prices %v, %v", m, err)
				}
			}},
		{name: "a price that isn't an amount is named", env: map[string]string{"LICENSEBOT_PRICES": "ENTERPRISEPACK=23.001", "LICENSEBOT_CURRENCY": "EUR", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "ENTERPRISEPACK=\"23.001\""},
		{name: "a negative price is named", env: map[string]string{"LICENSEBOT_PRICES": "ENTERPRISEPACK=-1", "LICENSEBOT_CURRENCY": "EUR", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_PRICES"},
		{name: "prices without a currency are named", env: map[string]string{"LICENSEBOT_PRICES": "ENTERPRISEPACK=23", "LICENSEBOT_APPROVAL_POLICY": "none"}, wantErr: "LICENSEBOT_CURRENCY"},
		{name: "missing file is named", env: map[string]string{"LICENSEBOT_CONFIG": filepath.Join(dir, "nope.yaml")}, wantErr: "LICENSEBOT_CONFIG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestValidateServe(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"no redis and no credentials", map[string]string{}, "REDIS_URL"},
		{"no credentials", map[string]string{"REDIS_URL": "redis://x"}, "Graph credentials"},
		{"two ways to authenticate", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "AZURE_CLIENT_SECRET": "s", "AZURE_TENANT_ID": "a", "AZURE_CLIENT_ID": "b"}, "more than one"},
		{"secret without ids", map[string]string{"REDIS_URL": "redis://x", "AZURE_CLIENT_SECRET": "s"}, "AZURE_TENANT_ID"},
		{"no chat platform", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t"}, "no chat platform"},
		{"discord without an application id", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "DISCORD_BOT_TOKEN": "b", "DISCORD_APPROVAL_CHANNEL_ID": "1", "DISCORD_APPROVER_ROLE_IDS": "2"}, "DISCORD_APPLICATION_ID"},
		{"discord with a bad public key", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "DISCORD_BOT_TOKEN": "b", "DISCORD_APPLICATION_ID": "9", "DISCORD_PUBLIC_KEY": "xyz", "DISCORD_APPROVAL_CHANNEL_ID": "1", "DISCORD_APPROVER_ROLE_IDS": "2"}, "DISCORD_PUBLIC_KEY"},
		{"discord without approver roles", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "DISCORD_BOT_TOKEN": "b", "DISCORD_APPLICATION_ID": "9", "DISCORD_APPROVAL_CHANNEL_ID": "1"}, "DISCORD_APPROVER_ROLE_IDS"},
		{"discord alone", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "DISCORD_BOT_TOKEN": "b", "DISCORD_APPLICATION_ID": "9", "DISCORD_APPROVAL_CHANNEL_ID": "1", "DISCORD_APPROVER_ROLE_IDS": "2", "DISCORD_USER_MAP": "111=adele@contoso.example, 222=megan@contoso.example"}, ""},
		{"slack without a transport", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET"},
		{"slack with both transports", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "sec"}, "both are set"},
		{"a user token instead of a bot token", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "SLACK_BOT_TOKEN": "xoxp-1", "SLACK_APP_TOKEN": "xapp-1"}, "starts with xoxb-"},
		{"secret with ids, Socket Mode", map[string]string{"REDIS_URL": "redis://x", "AZURE_CLIENT_SECRET": "s", "AZURE_TENANT_ID": "a", "AZURE_CLIENT_ID": "b", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, ""},
		{"HTTP mode", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "sec", "SLACK_API_URL": "http://127.0.0.1:9/api"}, ""},
	}
	const tenant, app = "72f988bf-86f1-41af-91ab-2d7cd011db47", "535fb089-9ff3-47b6-9bfb-4f1264799865"
	signIn := func(extra map[string]string) map[string]string {
		m := map[string]string{"REDIS_URL": "redis://x", "AZURE_CLIENT_SECRET": "s", "AZURE_TENANT_ID": tenant, "AZURE_CLIENT_ID": app,
			"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "LICENSEBOT_IDENTITY": "entra"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests = append(tests, []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"entra without a tenant id", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "LICENSEBOT_IDENTITY": "entra"}, "AZURE_TENANT_ID (or LICENSEBOT_SIGNIN_TENANT_ID)"},
		{"entra with a domain for a tenant", signIn(map[string]string{"AZURE_TENANT_ID": "contoso.onmicrosoft.com"}), "is not a tenant id"},
		{"entra by default", signIn(map[string]string{"LICENSEBOT_IDENTITY": ""}), ""},
		{"entra with a public URL and a context", signIn(map[string]string{"LICENSEBOT_PUBLIC_URL": "https://licensebot.contoso.example", "LICENSEBOT_SIGNIN_AUTH_CONTEXT": "c1"}), ""},
		{"a separate sign-in app", signIn(map[string]string{"LICENSEBOT_SIGNIN_CLIENT_ID": "x"}), "LICENSEBOT_SIGNIN_CLIENT_ID"},
		{"email needs no sign-in app", map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "LICENSEBOT_IDENTITY": "email"}, ""},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["LICENSEBOT_APPROVAL_POLICY"] = "none"
			if _, set := tt.env["LICENSEBOT_IDENTITY"]; !set && !strings.HasPrefix(tt.name, "entra") {
				tt.env["LICENSEBOT_IDENTITY"] = "email"
			}
			c, err := Load(env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			err = c.ValidateServe()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want one naming %s", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s\"") || strings.Contains(err.Error(), "=s") {
				t.Fatalf("error echoes a secret: %v", err)
			}
		})
	}
}

func TestExampleFileLoads(t *testing.T) {
	c, err := Load(env(map[string]string{"LICENSEBOT_CONFIG": "licensebot.example.yaml"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.TimeZone != "Europe/Istanbul" || len(c.Approval.Approvers) != 1 {
		t.Fatalf("example config %+v", c)
	}
	if !c.Teams.Enabled() || c.Teams.TenantID != c.Graph.TenantID || !strings.HasPrefix(c.Teams.ApprovalChannel, "19:") {
		t.Fatalf("example Teams settings %+v", c.Teams)
	}
}

func TestSlackManifestParses(t *testing.T) {
	b, err := os.ReadFile("slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command      string `yaml:"command"`
				ShouldEscape bool   `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/unassign" || !m.Settings.Interactivity.Enabled || !m.Settings.SocketMode {
		t.Fatalf("manifest %+v", m)
	}
	want := []string{"commands", "chat:write", "im:write", "users:read", "users:read.email", "usergroups:read", "channels:read", "groups:read"}
	if strings.Join(m.OAuth.Scopes.Bot, ",") != strings.Join(want, ",") {
		t.Fatalf("scopes %v, want exactly %v", m.OAuth.Scopes.Bot, want)
	}
}

func TestDiscordUserMap(t *testing.T) {
	base := map[string]string{"LICENSEBOT_APPROVAL_POLICY": "none"}
	base["DISCORD_USER_MAP"] = "111=adele@contoso.example,222=megan@contoso.example"
	c, err := Load(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.Discord.UserMap["111"] != "adele@contoso.example" || len(c.Discord.UserMap) != 2 {
		t.Fatalf("user map %v", c.Discord.UserMap)
	}
	base["DISCORD_USER_MAP"] = "111:adele"
	if _, err := Load(env(base)); err == nil || !strings.Contains(err.Error(), "DISCORD_USER_MAP") {
		t.Fatalf("bad map accepted: %v", err)
	}
	// A user id that can't be Discord's is refused when serving Discord.
	base = map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "DISCORD_BOT_TOKEN": "b", "DISCORD_APPLICATION_ID": "9",
		"DISCORD_APPROVAL_CHANNEL_ID": "1", "DISCORD_APPROVER_ROLE_IDS": "2", "DISCORD_USER_MAP": "adele=adele@contoso.example"}
	c, err = Load(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateServe(); err == nil || !strings.Contains(err.Error(), `DISCORD_USER_MAP: "adele" is not a Discord user id`) {
		t.Fatalf("a user id that isn't Discord's: %v", err)
	}
}

// Microsoft's unlicensed-OneDrive policy doesn't apply to EDU, GCC or DoD tenants; without
// LICENSEBOT_TENANT_TYPE the cloud decides the usual kind.
func TestOneDriveExempt(t *testing.T) {
	tests := []struct {
		cloud, tenantType string
		kind              string
		exempt            bool
	}{
		{"global", "", "commercial", false},
		{"china", "", "commercial", false},
		{"usgov", "", "gcchigh", true},
		{"usgovdod", "", "dod", true},
		{"global", "edu", "edu", true},
		{"global", "gcc", "gcc", true},
		{"usgov", "commercial", "commercial", false},
	}
	for _, tt := range tests {
		t.Run(tt.cloud+"/"+tt.tenantType, func(t *testing.T) {
			c, err := Load(env(map[string]string{"GRAPH_CLOUD": tt.cloud, "LICENSEBOT_TENANT_TYPE": tt.tenantType, "LICENSEBOT_APPROVAL_POLICY": "none"}))
			if err != nil {
				t.Fatal(err)
			}
			if c.TenantKind() != tt.kind || c.OneDriveExempt() != tt.exempt {
				t.Errorf("kind %q exempt %v, want %q %v", c.TenantKind(), c.OneDriveExempt(), tt.kind, tt.exempt)
			}
		})
	}
}

// Teams serves its one tenant: a list of Slack or Discord workspaces doesn't shut it out.
func TestAllowedWorkspacesKeepTeamsTenant(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		want []string
	}{
		{"Discord servers", Config{Discord: Discord{BotToken: "x", GuildIDs: []string{"1"}}, Teams: Teams{AppID: "a", TenantID: "ABC"}}, []string{"discord:1", "teams:abc"}},
		{"listed", Config{Workspaces: []string{"slack:T1"}, Slack: Slack{BotToken: "x"}, Teams: Teams{AppID: "a", TenantID: "abc"}}, []string{"slack:T1", "teams:abc"}},
		{"Teams listed", Config{Workspaces: []string{"slack:T1", "teams:def"}, Teams: Teams{AppID: "a", TenantID: "abc"}}, []string{"slack:T1", "teams:def"}},
		{"Slack unlisted", Config{Slack: Slack{BotToken: "x"}, Teams: Teams{AppID: "a", TenantID: "abc"}}, nil},
		{"Teams alone", Config{Teams: Teams{AppID: "a", TenantID: "abc"}}, nil},
	} {
		if got := c.cfg.AllowedWorkspaces(); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// A Teams bot's settings: each mistake named with its variable; the tenant defaults to
// AZURE_TENANT_ID.
func TestTeamsSettings(t *testing.T) {
	good := map[string]string{"REDIS_URL": "redis://x", "GRAPH_ACCESS_TOKEN": "t", "LICENSEBOT_APPROVAL_POLICY": "manager", "LICENSEBOT_IDENTITY": "email",
		"AZURE_TENANT_ID": "72a1c3e5-0b2d-4f6a-8c9e-1d3f5a7b9c0e",
		"TEAMS_APP_ID":    "6f0d2c7e-3b1a-4c55-9e2d-8a7b6c5d4e3f", "TEAMS_APP_PASSWORD": "s3cret~"}
	c, err := Load(env(good))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateServe(); err != nil || c.Teams.TenantID != good["AZURE_TENANT_ID"] {
		t.Fatalf("a good Teams bot: %v, tenant %q", err, c.Teams.TenantID)
	}
	for _, tc := range []struct {
		change map[string]string
		want   string
	}{
		{map[string]string{"TEAMS_APP_ID": "licensebot"}, "TEAMS_APP_ID: the Azure Bot's Microsoft App ID, a GUID"},
		{map[string]string{"TEAMS_APP_PASSWORD": ""}, "TEAMS_APP_PASSWORD: not set"},
		{map[string]string{"AZURE_TENANT_ID": ""}, "TEAMS_TENANT_ID: the tenant the bot serves"},
		{map[string]string{"TEAMS_APPROVAL_CHANNEL": "General"}, "TEAMS_APPROVAL_CHANNEL: a channel's conversation id starts with 19:"},
		{map[string]string{"LICENSEBOT_APPROVAL_POLICY": "approvers", "LICENSEBOT_APPROVERS": "megan@contoso.example"}, "TEAMS_APPROVAL_CHANNEL: the approvers policy posts approval requests to a channel"},
		{map[string]string{"LICENSEBOT_WORKSPACES": "teams"}, "teams:<tenant id>"},
	} {
		e := maps.Clone(good)
		maps.Copy(e, tc.change)
		c, err := Load(env(e))
		if err == nil {
			err = c.ValidateServe()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.change, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret~") {
			t.Errorf("%v: the error shows the secret", tc.change)
		}
	}
}
