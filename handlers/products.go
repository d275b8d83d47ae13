package handlers

import (
	"context"
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

	p, err := s.readProducts(ctx)

	c.mu.Lock()
	if err == nil {
		c.cached, c.at = &p, s.Now()
	}
	c.loading = nil
	close(done)
	c.mu.Unlock()
	return p, err
}
