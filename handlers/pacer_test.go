package handlers

import (
	"testing"
	"time"
)

func TestPacer(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	rtt := 200 * time.Millisecond
	tests := []struct {
		name  string
		steps func(p *pacer)
		check func(t *testing.T, p *pacer)
	}{
		{"batches that go through add one batch per round trip", func(p *pacer) {
			for i := range 4 {
				p.done(t0, rtt, 0, 20, 1000, t0.Add(time.Duration(i)*rtt))
			}
		}, func(t *testing.T, p *pacer) {
			if p.limit < 4.9 || p.limit > 5.1 || p.rate != 0 {
				t.Errorf("limit %.2f rate %.1f, want about 5 and no rate", p.limit, p.rate)
			}
		}},
		{"throttling measures the rate Graph admitted, a little under", func(p *pacer) {
			for i := range 10 { // 150 a second admitted
				at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
				p.done(at.Add(-rtt), rtt, 5, 20, 1000, at)
			}
		}, func(t *testing.T, p *pacer) {
			if p.rate < 120 || p.rate > 150 {
				t.Errorf("rate %.1f, want just under 150", p.rate)
			}
		}},
		{"no probing in the last stretch", func(p *pacer) {
			p.rate = 150
			p.done(t0, rtt, 0, 20, 100, t0) // 100 left: under 2 s at 150 a second
		}, func(t *testing.T, p *pacer) {
			if p.rate != 150 {
				t.Errorf("rate %.1f, want 150 unchanged", p.rate)
			}
		}},
		{"probing while far from the end", func(p *pacer) {
			p.rate = 150
			p.done(t0, rtt, 0, 20, 1000, t0)
		}, func(t *testing.T, p *pacer) {
			if p.rate != 151 {
				t.Errorf("rate %.1f, want 151", p.rate)
			}
		}},
		{"a rate spaces launches by batch size over rate", func(p *pacer) {
			p.rate, p.rtt = 100, rtt
			p.launched(t0, 20)
		}, func(t *testing.T, p *pacer) {
			if ok, wait := p.ready(t0.Add(100*time.Millisecond), 0); ok || wait != 100*time.Millisecond {
				t.Errorf("ready %v wait %s, want a 100 ms wait (20 at 100 a second = 200 ms apart)", ok, wait)
			}
			if ok, _ := p.ready(t0.Add(200*time.Millisecond), 0); !ok {
				t.Error("not ready after 200 ms")
			}
		}},
		{"the limit never goes under one batch per 20 round trips", func(p *pacer) {
			for i := range 50 {
				at := t0.Add(time.Duration(i) * time.Second)
				p.done(at, rtt, 20, 20, 1000, at.Add(time.Millisecond))
			}
		}, func(t *testing.T, p *pacer) {
			if p.limit < minLimit {
				t.Errorf("limit %.3f under %.2f", p.limit, minLimit)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &pacer{limit: 4, most: 16}
			tt.steps(p)
			tt.check(t, p)
		})
	}
}
