package locale

import (
	"strconv"
	"strings"
	"time"
)

// How values are written in each language, for every message: the words are the
// catalogue's (date.*, duration.*, list.*), the order and digits the code's.

var (
	weekdays = [...]string{"date.weekday.sun", "date.weekday.mon", "date.weekday.tue", "date.weekday.wed", "date.weekday.thu", "date.weekday.fri", "date.weekday.sat"}
	months   = [...]string{"date.month.jan", "date.month.feb", "date.month.mar", "date.month.apr", "date.month.may", "date.month.jun",
		"date.month.jul", "date.month.aug", "date.month.sep", "date.month.oct", "date.month.nov", "date.month.dec"}
)

// Date is the day of t in loc (t's own location when nil): "Tue 29 Dec 2026",
// "Sal 29 Ara 2026".
func (l Lang) Date(t time.Time, loc *time.Location) string {
	if loc != nil {
		t = t.In(loc)
	}
	// The year and the day are digits as they are: no grouping in "2026".
	return l.T("date.day", "Weekday", l.T(weekdays[t.Weekday()]), "Day", strconv.Itoa(t.Day()),
		"Month", l.T(months[t.Month()-1]), "Year", strconv.Itoa(t.Year()))
}

// Time is the moment t in loc (t's own location when nil), with the zone:
// "Sun 29 Nov 2026 12:30 +03".
func (l Lang) Time(t time.Time, loc *time.Location) string {
	if loc != nil {
		t = t.In(loc)
	}
	return l.T("date.moment", "Date", l.Date(t, nil), "Clock", t.Format("15:04"), "Zone", t.Format("MST"))
}

// Duration is a wait the way people say it, in its largest whole unit: "3 days",
// "2 hours", "15 minutes" (rounded), "30 seconds".
func (l Lang) Duration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 2*day && d%day == 0:
		return l.T("duration.days", "Count", int(d/day))
	case d >= time.Hour && d%time.Hour == 0:
		return l.T("duration.hours", "Count", int(d/time.Hour))
	case d >= time.Minute:
		return l.T("duration.minutes", "Count", int(d.Round(time.Minute)/time.Minute))
	}
	return l.T("duration.seconds", "Count", int(d.Round(time.Second)/time.Second))
}

// And lists items: "a, b and c", "a, b ve c".
func (l Lang) And(items []string) string { return l.list("list.and", items) }

// Or lists alternatives: "a, b or c", "a, b veya c".
func (l Lang) Or(items []string) string { return l.list("list.or", items) }

func (l Lang) list(id string, items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	head := strings.Join(items[:len(items)-1], l.T("list.separator"))
	return l.T(id, "Head", head, "Last", items[len(items)-1])
}
