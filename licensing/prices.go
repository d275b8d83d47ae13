package licensing

import "strings"

// Price is what one seat of a product costs the organisation a month, in the currency's
// minor unit (cents), as the organisation configures it: licensebot reads no prices from
// Microsoft (Graph has none).
type Price struct {
	Minor    int64
	Currency string // ISO 4217, e.g. EUR
}

// PriceList is the configured prices, by SKU id (lower case) or part number (upper case).
type PriceList map[string]Price

// Of is the price of a product, by its SKU id or part number.
func (pl PriceList) Of(skuID, partNumber string) (Price, bool) {
	if p, ok := pl[normalizeID(skuID)]; ok && skuID != "" {
		return p, true
	}
	p, ok := pl[strings.ToUpper(strings.TrimSpace(partNumber))]
	return p, ok && partNumber != ""
}

// Savings is the monthly amount seats free: the priced products' seats times their price,
// and how many of the seats had no price.
type Savings struct {
	Minor    int64
	Currency string
	Unpriced int
}

// Monthly adds up what freeing the seats saves a month. Prices in another currency than the
// first one met are counted as unpriced: licensebot doesn't convert.
func (pl PriceList) Monthly(seats []SeatCount) Savings {
	var s Savings
	for _, c := range seats {
		p, ok := pl.Of(c.SKUID, c.PartNumber)
		if !ok || (s.Currency != "" && p.Currency != s.Currency) {
			s.Unpriced += c.Seats
			continue
		}
		s.Currency = p.Currency
		s.Minor += p.Minor * int64(c.Seats)
	}
	return s
}

// SeatCount is seats of one product.
type SeatCount struct {
	SKUID, PartNumber string
	Seats             int
}

// PlanSeats are the seats a plan frees, product by product, in plan order.
func (p Plan) PlanSeats() []SeatCount {
	var out []SeatCount
	index := map[string]int{}
	for _, up := range p.Users {
		for _, it := range up.Remove {
			if len(it.Groups) > 0 {
				continue // the user keeps it through a group: no seat is freed
			}
			id := normalizeID(it.SKUID)
			if i, ok := index[id]; ok {
				out[i].Seats++
				continue
			}
			index[id] = len(out)
			out = append(out, SeatCount{SKUID: id, PartNumber: it.PartNumber, Seats: 1})
		}
	}
	return out
}
