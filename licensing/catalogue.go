package licensing

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:generate go run ./internal/cataloguegen -in testdata/product-names-and-service-plan-identifiers.csv -out catalogue.tsv

// catalogueTSV is Microsoft's "Product names and service plan identifiers for licensing"
// table, compacted by internal/cataloguegen (its format is described in its header).
//
//go:embed catalogue.tsv
var catalogueTSV string

// Product is a Microsoft 365 product (a SKU) as Microsoft's table describes it.
type Product struct {
	SKUID      string // lower-case GUID, Graph's skuId
	PartNumber string // Graph's skuPartNumber, e.g. ENTERPRISEPACK
	Name       string // the friendly name the admin center shows, e.g. "Office 365 E3"
	// Plans are the names (servicePlanName) of the service plans the product includes.
	Plans        []string
	Capabilities Capability
}

// Catalogue is the set of products Microsoft sells, to name a tenant's SKUs and know what
// their service plans mean. It is immutable and safe for concurrent use. A nil *Catalogue
// is an empty one.
type Catalogue struct {
	products []Product
	keys     []matchKeys    // products[i]'s keys for Match
	bySKU    map[string]int // lower-case GUID → index
	byPart   map[string]int // fold(part number) → first index
	byName   map[string]int // fold(name) → first index
}

// defaultCatalogue parses the embedded table once, on first use: a read-only value computed
// lazily, not state anyone changes.
var defaultCatalogue = sync.OnceValue(func() *Catalogue {
	c, err := parseCatalogue(catalogueTSV)
	if err != nil {
		// The embedded file is generated and tested; this is a build defect.
		panic(fmt.Sprintf("licensing: embedded catalogue: %v", err))
	}
	return c
})

// DefaultCatalogue is the catalogue embedded in the program (every product of Microsoft's
// table). The first call parses it; later calls return the same value.
func DefaultCatalogue() *Catalogue { return defaultCatalogue() }

// NewCatalogue makes a catalogue of the given products, for tests and for products newer
// than the embedded table. A product's Capabilities are completed from its Plans. When two
// products share an id, the first wins.
func NewCatalogue(products []Product) *Catalogue {
	c := newCatalogue(len(products))
	for _, p := range products {
		p.SKUID = normalizeID(p.SKUID)
		p.Plans = slices.Clone(p.Plans)
		p.Capabilities |= plansCapability(p.Plans)
		c.add(p)
	}
	return c
}

func newCatalogue(n int) *Catalogue {
	return &Catalogue{
		products: make([]Product, 0, n),
		keys:     make([]matchKeys, 0, n),
		bySKU:    make(map[string]int, n),
		byPart:   make(map[string]int, n),
		byName:   make(map[string]int, n),
	}
}

func (c *Catalogue) add(p Product) {
	if _, dup := c.bySKU[p.SKUID]; dup {
		return
	}
	i := len(c.products)
	k := newMatchKeys(p.Name, p.PartNumber)
	c.products = append(c.products, p)
	c.keys = append(c.keys, k)
	c.bySKU[p.SKUID] = i
	// Microsoft's table has a few part numbers and display names shared by two SKUs
	// (MCOPSTN5; government and regional variants): the first in the table's order answers.
	if k.part != "" {
		if _, ok := c.byPart[k.part]; !ok {
			c.byPart[k.part] = i
		}
	}
	if k.name != "" {
		if _, ok := c.byName[k.name]; !ok {
			c.byName[k.name] = i
		}
	}
}

// parseCatalogue reads the generated format: "p\tname" lines number the service plans from
// 0, "s\tskuId\tpartNumber\tname\tn,n,..." lines are the products, "#" lines are comments.
func parseCatalogue(data string) (*Catalogue, error) {
	var plans []string
	var skus []string
	for line := range strings.Lines(data) {
		// A checkout that turned line ends into CRLF must not put \r into names.
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		switch {
		case strings.HasPrefix(line, "p\t"):
			plans = append(plans, line[2:])
		case strings.HasPrefix(line, "s\t"):
			skus = append(skus, line[2:])
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			return nil, fmt.Errorf("unexpected line %q", line)
		}
	}
	// What each plan carries, worked out once per plan rather than once per product.
	planCaps := make([]Capability, len(plans))
	for i, name := range plans {
		planCaps[i] = PlanCapability(name)
	}
	c := newCatalogue(len(skus))
	for _, line := range skus {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("product line %q: %d fields, want 4", line, len(f))
		}
		p := Product{SKUID: f[0], PartNumber: f[1], Name: f[2]}
		if f[3] != "" {
			p.Plans = make([]string, 0, strings.Count(f[3], ",")+1)
			for n := range strings.SplitSeq(f[3], ",") {
				i, err := strconv.Atoi(n)
				if err != nil || i < 0 || i >= len(plans) {
					return nil, fmt.Errorf("product %s: bad plan number %q", p.SKUID, n)
				}
				p.Plans = append(p.Plans, plans[i])
				p.Capabilities |= planCaps[i]
			}
		}
		if _, dup := c.bySKU[p.SKUID]; dup {
			return nil, fmt.Errorf("product %s listed twice", p.SKUID)
		}
		c.add(p)
	}
	return c, nil
}

// Len is the number of products.
func (c *Catalogue) Len() int {
	if c == nil {
		return 0
	}
	return len(c.products)
}

// Lookup finds a product by its SKU id (a GUID, in any case).
func (c *Catalogue) Lookup(skuID string) (Product, bool) {
	i, ok := c.index(skuID)
	if !ok {
		return Product{}, false
	}
	return c.product(i), true
}

// ByPartNumber finds a product by its part number (skuPartNumber, in any case). Microsoft's
// table gives MCOPSTN5 to two SKUs: the one first by name answers.
func (c *Catalogue) ByPartNumber(partNumber string) (Product, bool) {
	if c == nil {
		return Product{}, false
	}
	i, ok := c.byPart[fold(partNumber)]
	if !ok {
		return Product{}, false
	}
	return c.product(i), true
}

// byDisplayName finds a product by its display name (folded), the first by part number when
// several share it.
func (c *Catalogue) byDisplayName(name string) (Product, bool) {
	if c == nil {
		return Product{}, false
	}
	i, ok := c.byName[fold(name)]
	if !ok {
		return Product{}, false
	}
	return c.product(i), true
}

// DisplayName is the name to show an admin for a product: the catalogue's friendly name;
// for a SKU the catalogue doesn't know, the part number (the catalogue's name for it when
// only a part number is given); with neither, the SKU id.
func (c *Catalogue) DisplayName(skuID, partNumber string) string {
	if i, ok := c.index(skuID); ok {
		return c.products[i].Name
	}
	if partNumber != "" {
		if strings.TrimSpace(skuID) == "" {
			if p, ok := c.ByPartNumber(partNumber); ok {
				return p.Name
			}
		}
		return partNumber
	}
	return skuID
}

// capabilities is the capability the catalogue's plans of a SKU carry (zero when unknown).
func (c *Catalogue) capabilities(skuID string) Capability {
	if i, ok := c.index(skuID); ok {
		return c.products[i].Capabilities
	}
	return 0
}

// plans are the catalogue's plans of a SKU, shared: callers must not modify them.
func (c *Catalogue) plans(skuID string) []string {
	if i, ok := c.index(skuID); ok {
		return c.products[i].Plans
	}
	return nil
}

func (c *Catalogue) index(skuID string) (int, bool) {
	if c == nil {
		return 0, false
	}
	i, ok := c.bySKU[normalizeID(skuID)]
	return i, ok
}

// product returns a copy of product i that callers may change freely.
func (c *Catalogue) product(i int) Product {
	p := c.products[i]
	p.Plans = slices.Clone(p.Plans)
	return p
}

// normalizeID is a GUID as the catalogue keys it: trimmed, lower case.
func normalizeID(id string) string {
	id = strings.TrimSpace(id)
	for i := 0; i < len(id); i++ {
		if 'A' <= id[i] && id[i] <= 'Z' {
			return strings.ToLower(id)
		}
	}
	return id
}
