package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/licensebot/licensebot/bot/slack"
)

// yamlDocs parses every document of a YAML file.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, d)
	}
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestKubernetesManifestsParse(t *testing.T) {
	t.Parallel()
	kinds := map[string]map[string]any{}
	for _, f := range []string{"../../deploy/kubernetes/licensebot.yaml", "../../deploy/kubernetes/redis.yaml"} {
		for _, d := range yamlDocs(t, f) {
			if d["apiVersion"] == nil || d["kind"] == nil || dig(d, "metadata", "name") == nil {
				t.Fatalf("%s: a document without apiVersion, kind or name: %v", f, d)
			}
			kinds[d["kind"].(string)+"/"+dig(d, "metadata", "name").(string)] = d
		}
	}
	dep := kinds["Deployment/licensebot"]
	if dep == nil {
		t.Fatal("no Deployment licensebot")
	}
	if r := dig(dep, "spec", "replicas"); r != 2 {
		t.Errorf("replicas %v, want 2", r)
	}
	c := dig(dep, "spec", "template", "spec", "containers", 0)
	if p := dig(c, "readinessProbe", "httpGet", "path"); p != "/readyz" {
		t.Errorf("readiness probe %v", p)
	}
	if p := dig(c, "livenessProbe", "httpGet", "path"); p != "/healthz" {
		t.Errorf("liveness probe %v", p)
	}
	if dig(c, "envFrom", 1, "secretRef", "name") != "licensebot" {
		t.Error("the Deployment doesn't take its secrets from the Secret")
	}
	if dig(dep, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
		t.Error("the pod may run as root")
	}
	if kinds["ConfigMap/licensebot"] == nil || dig(kinds["ConfigMap/licensebot"], "data", "REDIS_URL") == nil {
		t.Error("no Redis URL in the ConfigMap")
	}
	if args := dig(kinds["StatefulSet/licensebot-redis"], "spec", "template", "spec", "containers", 0, "args"); !strings.Contains(strings.Join(toStrings(args), " "), "noeviction") {
		t.Errorf("Redis may evict pending requests: args %v", args)
	}
}

func TestComposeFileParses(t *testing.T) {
	t.Parallel()
	docs := yamlDocs(t, "../../deploy/compose.yaml")
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	if dig(docs[0], "services", "licensebot", "environment", "REDIS_URL") == nil {
		t.Error("licensebot has no REDIS_URL")
	}
	cmd := strings.Join(toStrings(dig(docs[0], "services", "redis", "command")), " ")
	if !strings.Contains(cmd, "--appendonly yes") || !strings.Contains(cmd, "noeviction") {
		t.Errorf("Redis without persistence or with eviction: %s", cmd)
	}
}

// The binary CI builds is the one the Dockerfile builds: same command.
func TestDockerfileBuildsWhatCIBuilds(t *testing.T) {
	t.Parallel()
	docker, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	const build = `CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/licensebot ./cmd/licensebot`
	for name, text := range map[string][]byte{"Dockerfile": docker, ".ci/run": ci} {
		if !bytes.Contains(text, []byte(build)) {
			t.Errorf("%s lacks the build command %s", name, build)
		}
	}
	for _, want := range []string{"USER nonroot", "EXPOSE 8080", `HEALTHCHECK`, `"healthcheck"`} {
		if !bytes.Contains(docker, []byte(want)) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// The scopes doctor requires are the manifest's, no more and no fewer.
func TestDoctorRequiresTheManifestScopes(t *testing.T) {
	t.Parallel()
	docs := yamlDocs(t, "../../configs/slack-app-manifest.yaml")
	manifest := toStrings(dig(docs[0], "oauth_config", "scopes", "bot"))
	if got, want := strings.Join(slack.RequiredScopes(), ","), strings.Join(manifest, ","); got != want {
		t.Fatalf("doctor requires %s, the manifest grants %s", got, want)
	}
}

// grafanaPanel is what the dashboard test reads of a panel; a collapsed row holds its panels.
type grafanaPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr       string `json:"expr"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

// The example dashboard imports into Grafana (a ${DS_PROMETHEUS} input) and every query in it
// reads a series licensebot serves: a renamed metric breaks this test, not the dashboard.
func TestGrafanaDashboardQueriesRegisteredMetrics(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Inputs []struct {
			Name     string `json:"name"`
			Type     string `json:"type"`
			PluginID string `json:"pluginId"`
		} `json:"__inputs"`
		UID           string         `json:"uid"`
		Title         string         `json:"title"`
		SchemaVersion int            `json:"schemaVersion"`
		Panels        []grafanaPanel `json:"panels"`
		Templating    struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	if dash.UID == "" || dash.Title == "" || dash.SchemaVersion < 36 {
		t.Errorf("uid %q, title %q, schemaVersion %d: want both and a schema of Grafana 9 or later", dash.UID, dash.Title, dash.SchemaVersion)
	}
	if len(dash.Inputs) != 1 || dash.Inputs[0].Name != "DS_PROMETHEUS" || dash.Inputs[0].Type != "datasource" || dash.Inputs[0].PluginID != "prometheus" {
		t.Errorf("inputs %+v, want the one Prometheus datasource DS_PROMETHEUS", dash.Inputs)
	}

	served := servedMetrics(t)
	known := func(name string) bool {
		// Go's and the process's own series vary with the platform and Go's version.
		return served[name] || strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_")
	}
	var queries []string
	for _, v := range dash.Templating.List {
		queries = append(queries, v.Definition)
	}
	used := map[string]bool{}
	ids := map[int]bool{}
	var walk func(panels []grafanaPanel)
	walk = func(panels []grafanaPanel) {
		for _, p := range panels {
			if ids[p.ID] {
				t.Errorf("panel %q: id %d used twice", p.Title, p.ID)
			}
			ids[p.ID] = true
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			if p.Datasource.UID != "${DS_PROMETHEUS}" || len(p.Targets) == 0 {
				t.Errorf("panel %q: datasource %q and %d queries, want ${DS_PROMETHEUS} and some", p.Title, p.Datasource.UID, len(p.Targets))
			}
			for _, q := range p.Targets {
				if q.Datasource.UID != "${DS_PROMETHEUS}" {
					t.Errorf("panel %q: a query on datasource %q", p.Title, q.Datasource.UID)
				}
				names := promQLMetrics(q.Expr)
				if len(names) == 0 {
					t.Errorf("panel %q: query %q reads no metric", p.Title, q.Expr)
				}
				for _, n := range names {
					used[n] = true
				}
				queries = append(queries, q.Expr)
			}
		}
	}
	walk(dash.Panels)
	for _, q := range queries {
		for _, n := range promQLMetrics(q) {
			if !known(n) {
				t.Errorf("query %q reads %s, which licensebot doesn't serve", q, n)
			}
		}
	}
	for _, want := range []string{
		"licensebot_requests_total", "licensebot_removals_total", "licensebot_jobs_running",
		"licensebot_graph_requests_total", "licensebot_graph_request_duration_seconds_bucket",
		"licensebot_graph_throttle_wait_seconds_count", "licensebot_chat_api_errors_total",
		"licensebot_ack_duration_seconds_bucket", "process_resident_memory_bytes", "go_goroutines",
	} {
		if !used[want] {
			t.Errorf("no panel shows %s", want)
		}
	}
}

var (
	promQLString = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	// A metric name is a selector's name (`name{…}`) or one of licensebot's, Go's or the
	// process's names anywhere (`histogram_quantile(0.99, …)` is neither).
	promQLMetric = regexp.MustCompile(`\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{|\b((?:licensebot|go|process)_[a-zA-Z0-9_:]*)`)
)

// promQLMetrics lists the metric names a PromQL query (or a label_values() query) reads.
func promQLMetrics(expr string) []string {
	expr = promQLString.ReplaceAllString(expr, `""`) // label values are no names
	var out []string
	for _, m := range promQLMetric.FindAllStringSubmatch(expr, -1) {
		if m[1] != "" {
			out = append(out, m[1])
		} else {
			out = append(out, m[2])
		}
	}
	return out
}

// servedMetrics is every series name /metrics can serve: each metric of newMetrics is given
// a value first (a vector without any is not gathered), and a histogram is read through its
// _bucket, _sum and _count series.
func servedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	m := newMetrics()
	m.RequestState("done")
	m.Removal("removed")
	m.ThrottleWait(time.Second)
	m.JobRunning(0)
	m.graphCall("GET /subscribedSkus", http.StatusOK, time.Millisecond)
	m.ChatAPIError("slack", "chat.postMessage", "rate_limited")
	m.timedAck("slack", "commands", http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/slack/commands", nil))
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range families {
		out[f.GetName()] = true
		if f.GetType().String() == "HISTOGRAM" {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				out[f.GetName()+suffix] = true
			}
		}
	}
	return out
}
