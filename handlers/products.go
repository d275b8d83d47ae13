package handlers

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// tenantProducts are the organisation's products as a plan or a report sees them: with their
// subscriptions attached when /directory/subscriptions could be read.
type tenantProducts struct {
	list []licensing.TenantProduct
	// subscriptionsErr is why the subscriptions couldn't be read (nil when they were). It
	// degrades what the bot says (no owners, no lifecycle dates, a note saying why) and
	// refuses nothing: subscribedSkus alone is enough to plan and to count seats.
	subscriptionsErr error
}

// readProducts reads subscribedSkus (a failure refuses: nothing is planned on partial data)
// and the subscriptions (a failure degrades).
func (s *Service) readProducts(ctx context.Context) (tenantProducts, error) {
	list, err := s.Directory.Products(ctx)
	if err != nil {
		return tenantProducts{}, err
	}
	subs, err := s.Directory.Subscriptions(ctx)
	if err != nil {
		s.Logger.WarnContext(ctx, "read the organisation's subscriptions; going on without them", "err", err)
		return tenantProducts{list: list, subscriptionsErr: err}, nil
	}
	return tenantProducts{list: licensing.WithSubscriptions(list, subs)}, nil
}

// productCache keeps the organisation's product list for planning for a few seconds, so a
// burst of commands doesn't read (and parse) subscribedSkus for each. It is used only to
// match product names and see who owns a subscription, which change rarely; seat figures in
// a report are always read fresh after the removal, and a user's licenses are never cached.
// A failed read is not cached: the request is refused (fail closed).
type productCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	at      time.Time
	cached  *tenantProducts
	loading chan struct{} // closed when the read under way ends
}

func (s *Service) planningProducts(ctx context.Context) (tenantProducts, error) {
	c := &s.products
	for {
		c.mu.Lock()
		if c.cached != nil && s.Now().Sub(c.at) < c.ttl {
			p := *c.cached
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
			return tenantProducts{}, ctx.Err()
		}
	}
	done := make(chan struct{})
	c.loading = done
	c.mu.Unlock()

	var (
		p    tenantProducts
		err  error
		read bool // the read returned: a panic on its way up caches nothing
	)
	// Whatever ends the read (an answer, an error, a panic on its way up), the next
	// command must not wait for it forever.
	defer func() {
		c.mu.Lock()
		if read && err == nil {
			c.cached, c.at = &p, s.Now()
		}
		c.loading = nil
		close(done)
		c.mu.Unlock()
	}()
	p, err = s.readProducts(ctx)
	read = true
	return p, err
}

// PlanningReady reports whether this replica can plan now: the organisation's products can
// be had (from the cache, or read within ctx). Readiness is served from it (cached by the
// caller), so a replica that can't plan stops taking traffic.
func (s *Service) PlanningReady(ctx context.Context) error {
	if _, err := s.planningProducts(ctx); err != nil {
		return fmt.Errorf("plan: read the organisation's products: %w", err)
	}
	return nil
}
