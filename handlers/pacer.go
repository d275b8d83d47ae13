package handlers

import (
	"math"
	"time"
)

// pacer paces a job's batches to what Graph admits.
//
// Until Graph first throttles, limit (batches per round trip) grows by one per round trip:
// at most ceil(limit) in flight, launches spaced round trip/limit apart. Once it throttles,
// the pace is a rate: the requests Graph admitted over the last second (while throttling,
// that is its quota), probed upward by a little with every batch that goes through and
// measured again, at most once per round trip, when one is throttled. A throttled request
// waits its Retry-After, a whole second or more, so a pace that keeps probing over the
// quota leaves the job's last users waiting; one that matches it does not.
type pacer struct {
	limit, most float64
	rtt         time.Duration // smoothed time of a batch
	last        time.Time     // the last launch
	lastSize    int
	cut         time.Time // the last measurement after throttling
	rate        float64   // requests a second, once Graph has throttled; 0 before
	admitted    []admission
}

type admission struct {
	at time.Time
	n  int
}

// minLimit is one batch per 20 round trips: the slowest pace before a rate is known.
const minLimit = 0.05

func (p *pacer) room(inFlight int) bool {
	if p.rate > 0 && p.rtt > 0 {
		return float64(inFlight) < math.Ceil(p.rate*p.rtt.Seconds()/batchSize)+1
	}
	return float64(inFlight) < math.Ceil(p.limit)
}

// ready reports whether a batch may start now, or how long until one may.
func (p *pacer) ready(now time.Time, inFlight int) (bool, time.Duration) {
	if !p.room(inFlight) {
		return false, 0
	}
	gap := time.Duration(float64(p.rtt) / p.limit)
	if p.rate > 0 {
		gap = time.Duration(float64(p.lastSize) / p.rate * float64(time.Second))
	}
	if since := now.Sub(p.last); since < gap {
		return false, gap - since
	}
	return true, 0
}

func (p *pacer) launched(now time.Time, size int) { p.last, p.lastSize = now, size }

// done learns from a batch that took took, of which throttled of sent were throttled, with
// left users still to send.
func (p *pacer) done(started time.Time, took time.Duration, throttled, sent, left int, now time.Time) {
	if p.rtt == 0 {
		p.rtt = took
	} else {
		p.rtt = (4*p.rtt + took) / 5
	}
	if sent == 0 {
		return
	}
	p.admitted = append(p.admitted, admission{at: now, n: sent - throttled})
	for len(p.admitted) > 0 && now.Sub(p.admitted[0].at) > time.Second {
		p.admitted = p.admitted[1:]
	}
	if throttled == 0 {
		p.limit = math.Min(p.most, p.limit+1/math.Max(p.limit, 1))
		// Probe: +1 a second per 20 requests through; but not in the job's last stretch,
		// where a throttled user would wait a whole Retry-After after the others are done.
		if p.rate > 0 && float64(left) > 2*p.rate {
			p.rate += float64(sent) / 20
		}
		return
	}
	// Batches already in flight at the last measurement saw the same congestion.
	if !started.After(p.cut) {
		return
	}
	p.cut = now
	p.limit = math.Max(minLimit, p.limit*(1-0.5*float64(throttled)/float64(sent)))
	window := now.Sub(p.admitted[0].at)
	if window < p.rtt || window <= 0 {
		return // too short to measure: the limit alone paces
	}
	n := 0
	for _, a := range p.admitted[1:] {
		n += a.n
	}
	// A little under what was measured: a one-second window of whole batches runs high,
	// and a pace just over the quota is throttled again.
	p.rate = math.Max(0.95*float64(n)/window.Seconds(), 1)
}
