package bot

import (
	"context"
	"testing"
	"time"
)

func TestMemoryClaimsOnceWithinTheirLifetime(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	c := NewMemoryClaims(func() time.Time { return now })
	ctx := context.Background()
	steps := []struct {
		name    string
		advance time.Duration
		key     string
		want    bool
	}{
		{"first claim", 0, "slack:command:T1:trigger-1", true},
		{"the same delivery again", time.Minute, "slack:command:T1:trigger-1", false},
		{"another delivery", 0, "slack:command:T1:trigger-2", true},
		{"the first after its lifetime", time.Hour, "slack:command:T1:trigger-1", true},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if got, _ := c.Claim(ctx, s.key, time.Hour); got != s.want {
			t.Fatalf("%s: Claim = %v, want %v", s.name, got, s.want)
		}
	}
}
