package graph

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
)

func TestEndpointsOfNationalClouds(t *testing.T) {
	tests := []struct {
		cloud         Cloud
		graph, signIn string
	}{
		{"", "https://graph.microsoft.com", "https://login.microsoftonline.com/"},
		{CloudGlobal, "https://graph.microsoft.com", "https://login.microsoftonline.com/"},
		{CloudUSGov, "https://graph.microsoft.us", "https://login.microsoftonline.us/"},
		{CloudUSGovDoD, "https://dod-graph.microsoft.us", "https://login.microsoftonline.us/"},
		{CloudChina, "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn/"},
	}
	for _, tt := range tests {
		t.Run(string(tt.cloud), func(t *testing.T) {
			g, a, err := Endpoints(tt.cloud)
			if err != nil || g != tt.graph || a != tt.signIn {
				t.Fatalf("Endpoints(%q) = %q, %q, %v", tt.cloud, g, a, err)
			}
			s, err := Config{Cloud: tt.cloud, TenantID: "t", ClientID: "c", ClientSecret: "s"}.validate()
			if err != nil {
				t.Fatal(err)
			}
			if s.baseURL != tt.graph+"/v1.0" || s.scope != tt.graph+"/.default" || s.hosts[0] != strings.TrimPrefix(tt.graph, "https://") {
				t.Errorf("base %q scope %q hosts %v", s.baseURL, s.scope, s.hosts)
			}
		})
	}
	if _, _, err := Endpoints("germany"); err == nil {
		t.Error("an unknown cloud is accepted")
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" means valid
	}{
		{"static token", Config{AccessToken: "x"}, ""},
		{"client secret", Config{TenantID: "t", ClientID: "c", ClientSecret: "s"}, ""},
		{"managed identity", Config{UseManagedIdentity: true}, ""},
		{"user-assigned managed identity", Config{UseManagedIdentity: true, ClientID: "c"}, ""},
		{"local simulator", Config{AccessToken: "x", BaseURL: "http://127.0.0.1:8080/v1.0/"}, ""},
		{"no credentials", Config{}, "no credentials"},
		{"two ways to sign in", Config{AccessToken: "x", ClientSecret: "s", TenantID: "t", ClientID: "c"}, "more than one"},
		{"secret without tenant", Config{ClientID: "c", ClientSecret: "s"}, "tenant id"},
		{"certificate without client", Config{TenantID: "t", CertificatePath: "/x.pem"}, "client id"},
		{"password without certificate", Config{AccessToken: "x", CertificatePassword: "p"}, "certificate password"},
		{"unknown cloud", Config{Cloud: "mars", AccessToken: "x"}, "unknown cloud"},
		{"plain http to a remote host", Config{AccessToken: "x", BaseURL: "http://graph.example/v1.0"}, "loopback"},
		{"relative base URL", Config{AccessToken: "x", BaseURL: "/v1.0"}, "absolute"},
		{"base URL with a query", Config{AccessToken: "x", BaseURL: "https://proxy.example/v1.0?x=1"}, "query"},
		{"negative timeout", Config{AccessToken: "x", Timeout: -time.Second}, "negative"},
		{"negative max pages", Config{AccessToken: "x", MaxPages: -1}, "max pages -1 is negative"},
		{"negative max response bytes", Config{AccessToken: "x", MaxResponseBytes: -1}, "max response bytes -1 is negative"},
		{"bounds set", Config{AccessToken: "x", MaxPages: 5, MaxResponseBytes: 1 << 20}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	s, err := Config{AccessToken: "x", BaseURL: "https://proxy.example/v1.0/"}.validate()
	if err != nil {
		t.Fatal(err)
	}
	if s.Timeout != 30*time.Second || s.baseURL != "https://proxy.example/v1.0" {
		t.Errorf("timeout %s base %q", s.Timeout, s.baseURL)
	}
	if s.MaxPages != 50 || s.MaxResponseBytes != 8<<20 {
		t.Errorf("max pages %d, max response bytes %d; want 50 and 8 MiB", s.MaxPages, s.MaxResponseBytes)
	}
	set, err := Config{AccessToken: "x", MaxPages: 3, MaxResponseBytes: 1000}.validate()
	if err != nil || set.MaxPages != 3 || set.MaxResponseBytes != 1000 {
		t.Errorf("set bounds not kept: %d %d %v", set.MaxPages, set.MaxResponseBytes, err)
	}
	if want := []string{"graph.microsoft.com", "proxy.example"}; strings.Join(s.hosts, ",") != strings.Join(want, ",") {
		t.Errorf("allowed hosts %v, want %v", s.hosts, want)
	}
}

func TestCertificateFileIsRead(t *testing.T) {
	_, err := New(Config{TenantID: "t", ClientID: "c", CertificatePath: t.TempDir() + "/missing.pem"})
	if err == nil || !strings.Contains(err.Error(), "read certificate") {
		t.Fatalf("%v", err)
	}
}

func TestStaticTokenGoesOnlyToAllowedHostsOverSafeSchemes(t *testing.T) {
	hosts, err := absauth.NewAllowedHostsValidatorErrorCheck([]string{"graph.microsoft.com", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p := &staticToken{token: "secret", hosts: hosts}
	tests := []struct {
		url     string
		want    string
		wantErr bool
	}{
		{"https://graph.microsoft.com/v1.0/users", "secret", false},
		{"http://127.0.0.1:1234/v1.0/users", "secret", false},
		{"https://evil.example/v1.0/users", "", false},
		{"http://graph.microsoft.com/v1.0/users", "", true},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		got, err := p.GetAuthorizationToken(context.Background(), u, nil)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: token %q err %v", tt.url, got, err)
		}
	}
}

// The behaviour is tested end to end (a 429 or a 503 reaches Graph once); this names the
// culprit if that ever changes.
func TestRetryHandlerIsLeftOut(t *testing.T) {
	ms := middlewaresWithoutRetry(&core.GraphClientOptions{})
	if len(ms) == 0 {
		t.Fatal("no middleware at all")
	}
	for _, m := range ms {
		if name := fmt.Sprintf("%T", m); strings.Contains(strings.ToLower(name), "retry") {
			t.Fatalf("%s is in the pipeline", name)
		}
	}
}
