package bot

import (
	"encoding/json"
	"testing"
)

func TestMessageRefSurvivesStorage(t *testing.T) {
	// Refs are stored with requests (in Redis, as JSON) and used later to edit messages on
	// another replica: they must come back the same, and the zero ref must stay zero.
	tests := []struct {
		name string
		ref  MessageRef
		zero bool
	}{
		{"nothing", MessageRef{}, true},
		{"a Slack channel message", MessageRef{Platform: "slack", Channel: "C024BE91L", ID: "1700000000.000100"}, false},
		{"a reply in a thread", MessageRef{Platform: "slack", Channel: "C024BE91L", ID: "1700000001.000200", Thread: "1700000000.000100"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			var back MessageRef
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back != tt.ref || back.IsZero() != tt.zero {
				t.Fatalf("ref %+v came back as %+v (zero %v)", tt.ref, back, back.IsZero())
			}
		})
	}
}
