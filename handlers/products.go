package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// productCache keeps the organisation's product list for planning for a few seconds, so a
// burst of commands doesn't read (and parse) subscribedSkus for each. It is used only to
// match product names and see self-service purchases, which change rarely; seat figures
// in a report are always read fresh after the removal, and a user's licenses are never
// cached. A failed read is not cached: the request is refused (fail closed).
type productCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	at      time.Time
	cached  []licensing.TenantProduct
	loading chan struct{} // closed when the read under way ends
}

func (s *Service) planningProducts(ctx context.Context) ([]licensing.TenantProduct, error) {
	c := &s.products
	for {
		c.mu.Lock()
		if c.cached != nil && s.Now().Sub(c.at) < c.ttl {
			p := c.cached
			c.mu.Unlock()
			return p, nil
		}
		if c.loading == nil || c.ttl <= 0 {
			break
		}
		wait := c.loading
		c.mu.Unlock()
		// Another command is reading them: wait for it rather than read them again.
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	done := make(chan struct{})
	c.loading = done
	c.mu.Unlock()

	p, err := s.Directory.Products(ctx)

	c.mu.Lock()
	if err == nil {
		c.cached, c.at = p, s.Now()
	}
	c.loading = nil
	close(done)
	c.mu.Unlock()
	return p, err
}
