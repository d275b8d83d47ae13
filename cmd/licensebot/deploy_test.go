package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

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
	docs := yamlDocs(t, "../../configs/slack-app-manifest.yaml")
	manifest := toStrings(dig(docs[0], "oauth_config", "scopes", "bot"))
	if got, want := strings.Join(slack.RequiredScopes(), ","), strings.Join(manifest, ","); got != want {
		t.Fatalf("doctor requires %s, the manifest grants %s", got, want)
	}
}
