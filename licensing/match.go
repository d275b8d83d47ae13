package licensing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// MaxCandidates is the most products an *AmbiguousProductError lists.
const MaxCandidates = 10

// AmbiguousProductError is a product query that names no single product of the
// organisation: several share the exact name, or (with Exact false) nothing has the exact
// name but these contain every word of the query. The bot never picks one itself: it asks.
type AmbiguousProductError struct {
	Query string
	// Candidates are sorted by name, at most MaxCandidates of them.
	Candidates []Product
	// Exact is true when the candidates all match the query exactly (same display name),
	// false for a "did you mean".
	Exact bool
	// Omitted is how many more products matched than Candidates holds.
	Omitted int
}

func (e *AmbiguousProductError) Error() string {
	var b strings.Builder
	if e.Exact {
		fmt.Fprintf(&b, "several products are called %q: ", e.Query)
	} else {
		fmt.Fprintf(&b, "no product is called %q; did you mean ", e.Query)
	}
	for i, p := range e.Candidates {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s)", p.Name, p.PartNumber)
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, " and %d more", e.Omitted)
	}
	return b.String()
}

// UnknownProductError is a product query that matches none of the organisation's products.
// Known is the catalogue's product when the query names one the organisation doesn't
// subscribe to. It wraps ErrUnknownSKU.
type UnknownProductError struct {
	Query string
	Known *Product
}

func (e *UnknownProductError) Error() string {
	if e.Known != nil {
		return fmt.Sprintf("the organisation does not subscribe to %s (%s)", e.Known.Name, e.Known.PartNumber)
	}
	return fmt.Sprintf("no product matches %q", e.Query)
}

func (e *UnknownProductError) Unwrap() error { return ErrUnknownSKU }

// Match finds the organisation's product an admin means by query: its friendly name, part
// number or SKU id, compared in any case, with white space folded and Turkish İ/ı read as i.
//
// One exact match is the answer. Several products with that exact name give an
// *AmbiguousProductError with Exact set. With no exact match, the products whose name or
// part number contain every word of the query (e.g. "E3") come back as an
// *AmbiguousProductError, even when there is only one: a guess could remove the wrong
// licenses. Otherwise an *UnknownProductError, with Known set when the catalogue knows the
// product.
func (c *Catalogue) Match(query string, tenant []TenantProduct) (TenantProduct, error) {
	q := fold(query)
	if q == "" {
		return TenantProduct{}, &UnknownProductError{Query: query}
	}

	// A SKU id names exactly one product, whatever the names say.
	if id := strings.TrimSuffix(strings.TrimPrefix(q, "{"), "}"); IsGUID(id) {
		for _, tp := range tenant {
			if normalizeID(tp.SKUID) == id {
				return tp, nil
			}
		}
	}

	entries := make([]matchEntry, len(tenant))
	var exact []int
	for i, tp := range tenant {
		e := c.matchEntry(tp)
		entries[i] = e
		if e.keys.name == q || e.keys.part == q {
			exact = appendDistinct(exact, i, entries)
		}
	}
	switch len(exact) {
	case 0:
	case 1:
		return tenant[exact[0]], nil
	default:
		return TenantProduct{}, c.ambiguous(query, true, exact, entries, tenant)
	}

	if words := queryWords(q); len(words) > 0 {
		var near []int
		for i, e := range entries {
			if containsAll(e.keys.compactName, words) || containsAll(e.keys.compactPart, words) {
				near = appendDistinct(near, i, entries)
			}
		}
		if len(near) > 0 {
			return TenantProduct{}, c.ambiguous(query, false, near, entries, tenant)
		}
	}

	err := &UnknownProductError{Query: query}
	if p, ok := c.exactProduct(q); ok {
		err.Known = &p
	}
	return TenantProduct{}, err
}

// matchKeys are a product's name and part number as Match compares them.
type matchKeys struct {
	name, part               string // fold()ed
	compactName, compactPart string // compact()ed, for the word search
}

func newMatchKeys(name, part string) matchKeys {
	k := matchKeys{name: fold(name), part: fold(part)}
	k.compactName, k.compactPart = compact(k.name), compact(k.part)
	return k
}

// matchEntry is one of the organisation's products while matching.
type matchEntry struct {
	skuID string
	part  string // as written, to order candidates of one name
	index int    // in the catalogue; -1 when the catalogue doesn't know it
	keys  matchKeys
}

func (c *Catalogue) matchEntry(tp TenantProduct) matchEntry {
	if i, ok := c.index(tp.SKUID); ok {
		return matchEntry{skuID: c.products[i].SKUID, part: c.products[i].PartNumber, index: i, keys: c.keys[i]}
	}
	return matchEntry{skuID: normalizeID(tp.SKUID), part: tp.PartNumber, index: -1, keys: newMatchKeys(c.DisplayName(tp.SKUID, tp.PartNumber), tp.PartNumber)}
}

// tenantProduct is the catalogue's description of a tenant's product, or one made from what
// Graph says of it when the product is newer than the catalogue.
func (c *Catalogue) tenantProduct(e matchEntry, tp TenantProduct) Product {
	if e.index >= 0 {
		return c.product(e.index)
	}
	p := Product{SKUID: e.skuID, PartNumber: tp.PartNumber, Name: c.DisplayName(tp.SKUID, tp.PartNumber)}
	for _, sp := range tp.ServicePlans {
		p.Plans = append(p.Plans, sp.Name)
	}
	p.Capabilities = plansCapability(p.Plans)
	return p
}

// exactProduct finds the catalogue's product with that SKU id, part number or name.
func (c *Catalogue) exactProduct(q string) (Product, bool) {
	if p, ok := c.Lookup(strings.TrimSuffix(strings.TrimPrefix(q, "{"), "}")); ok {
		return p, true
	}
	if p, ok := c.ByPartNumber(q); ok {
		return p, true
	}
	return c.byDisplayName(q)
}

// appendDistinct adds entry i unless one with its SKU id is already there (Graph lists
// each subscribed SKU once, but a caller's list may not).
func appendDistinct(list []int, i int, entries []matchEntry) []int {
	for _, j := range list {
		if entries[j].skuID == entries[i].skuID {
			return list
		}
	}
	return append(list, i)
}

func (c *Catalogue) ambiguous(query string, exact bool, idx []int, entries []matchEntry, tenant []TenantProduct) *AmbiguousProductError {
	slices.SortFunc(idx, func(a, b int) int {
		ea, eb := entries[a], entries[b]
		return cmp.Or(strings.Compare(ea.keys.name, eb.keys.name), strings.Compare(ea.part, eb.part), strings.Compare(ea.skuID, eb.skuID))
	})
	e := &AmbiguousProductError{Query: query, Exact: exact}
	if len(idx) > MaxCandidates {
		idx, e.Omitted = idx[:MaxCandidates], len(idx)-MaxCandidates
	}
	e.Candidates = make([]Product, len(idx))
	for k, i := range idx {
		e.Candidates[k] = c.tenantProduct(entries[i], tenant[i])
	}
	return e
}

// queryWords are the query's words, reduced to letters and digits.
func queryWords(q string) []string {
	var words []string
	for w := range strings.FieldsSeq(q) {
		if w = compact(w); w != "" {
			words = append(words, w)
		}
	}
	return words
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// IsGUID reports whether s is a GUID in the 8-4-4-4-12 form (any case): a SKU id, an
// object id.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
