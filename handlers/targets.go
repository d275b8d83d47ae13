package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// Targets that stand for many users: --group (a group's transitive members that are users)
// and --holders (everyone who holds the one product named, directly). Each is expanded
// into object ids once, when the plan is made; the plan keeps how (licensing.Source), so
// the requester and the approvers see what the group or the product stood for. A target
// over Options.MaxTargets is refused with its count: never cut off.

// Expander expands the targets that stand for many users.
type Expander interface {
	// GroupUsers finds a group by object id or display name and lists its users, through
	// nested groups; errors wrap licensing.ErrGroupNotFound or licensing.ErrAmbiguousGroup.
	GroupUsers(ctx context.Context, group string) (licensing.Source, []string, error)
	// ProductHolders lists the users who hold the product directly.
	ProductHolders(ctx context.Context, skuID string) (licensing.Source, []string, error)
	// InactiveUsers lists the direct holders of the products whose last successful sign-in
	// is before cutoff (or who never signed in); those created or licensed after it are
	// counted in LeftOut. Without Entra ID P1 it reads Microsoft 365's activity report
	// instead (Source.Via "report"); errors wrap licensing.ErrNoPremium when neither can be
	// read, licensing.ErrConcealedReport when the report hides names.
	InactiveUsers(ctx context.Context, skuIDs []string, cutoff time.Time) (licensing.Source, []string, error)
}

// expand turns --group or --holders into the users' object ids, and how.
func (s *Service) expand(ctx context.Context, c Command, sel licensing.Selection, products []licensing.TenantProduct) (*licensing.Source, []string, error) {
	x, ok := s.Directory.(Expander)
	if !ok {
		return nil, nil, refuse(expansionUnavailable{})
	}
	var (
		src licensing.Source
		ids []string
		err error
	)
	switch {
	case c.Inactive > 0:
		cutoff := s.Now().AddDate(0, 0, -c.Inactive)
		src, ids, err = x.InactiveUsers(ctx, sel.SKUIDs, cutoff)
		switch {
		case errors.Is(err, licensing.ErrConcealedReport):
			return nil, nil, refuse(concealedReport{})
		case errors.Is(err, licensing.ErrNoPremium):
			return nil, nil, refuse(noSignInActivity{})
		case err != nil:
			return nil, nil, fmt.Errorf("list the inactive holders: %w", err)
		}
		via := src.Via
		src.Kind, src.Days, src.Via = licensing.SourceInactive, c.Inactive, via
		var names []string
		for _, sku := range sel.SKUIDs {
			names = append(names, s.Catalogue.DisplayName(sku, partNumberOf(products, sku)))
		}
		src.Name = strings.Join(names, ", ")
		ids, src.Excluded = s.withoutExcluded(ids)
	case c.Group != "":
		src, ids, err = x.GroupUsers(ctx, c.Group)
		switch {
		case errors.Is(err, licensing.ErrGroupNotFound):
			return nil, nil, refuse(noSuchGroup{name: c.Group})
		case errors.Is(err, licensing.ErrAmbiguousGroup):
			return nil, nil, refuse(ambiguousGroup{name: c.Group})
		case err != nil:
			return nil, nil, fmt.Errorf("list the members of group %s: %w", c.Group, err)
		}
		src.Kind = licensing.SourceGroup
	default:
		sku := sel.SKUIDs[0]
		if src, ids, err = x.ProductHolders(ctx, sku); err != nil {
			return nil, nil, fmt.Errorf("list the holders of %s: %w", sku, err)
		}
		src.Kind, src.ID = licensing.SourceHolders, sku
		src.Name = s.Catalogue.DisplayName(sku, partNumberOf(products, sku))
	}
	src.Users = len(ids)
	switch {
	case len(ids) == 0:
		return nil, nil, refuse(emptySource{src: src})
	case s.opts.MaxTargets > 0 && len(ids) > s.opts.MaxTargets:
		return nil, nil, refuse(tooManyInSource{src: src, max: s.opts.MaxTargets})
	}
	return &src, ids, nil
}

// withoutExcluded drops the users the organisation keeps unused on purpose
// (Options.InactiveExclude, by object id), and says how many it dropped.
func (s *Service) withoutExcluded(ids []string) ([]string, int) {
	if len(s.opts.InactiveExclude) == 0 {
		return ids, 0
	}
	out := ids[:0:0]
	n := 0
	for _, id := range ids {
		if slices.ContainsFunc(s.opts.InactiveExclude, func(x string) bool { return strings.EqualFold(x, id) }) {
			n++
			continue
		}
		out = append(out, id)
	}
	return out, n
}

func partNumberOf(products []licensing.TenantProduct, sku string) string {
	for _, p := range products {
		if p.SKUID == sku {
			return p.PartNumber
		}
	}
	return ""
}
