package graph

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/reports"

	"github.com/licensebot/licensebot/licensing"
)

// reportPeriod is the longest window getOffice365ActiveUserDetail offers (D7, D30, D90, D180).
const reportPeriod = "D180"

// activityReport reads Microsoft 365's active user detail report for the last 180 days (GET
// /reports/getOffice365ActiveUserDetail(period='D180'), a CSV behind a redirect; least
// privileged application permission Reports.Read.All) and returns each user's last activity
// date across the services, by lower-case UPN (zero: no activity in the period). A report
// whose names are concealed (the default "Display concealed user, group, and site names in
// all reports") can't be matched to users: licensing.ErrConcealedReport.
func (c *Client) activityReport(ctx context.Context) (map[string]time.Time, error) {
	period := "'" + reportPeriod + "'"
	rctx, x := request(ctx)
	raw, err := reports.NewGetOffice365ActiveUserDetailWithPeriodRequestBuilderInternal(map[string]string{"baseurl": c.baseURL}, c.adapter, &period).Get(rctx, nil)
	if err != nil {
		return nil, fmt.Errorf("the Microsoft 365 activity report: %w", c.mapError(x, err, opOther))
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("the Microsoft 365 activity report: %w", x.unusable(nil, "no header: %v", err))
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	upnCol, ok := col["User Principal Name"]
	if !ok {
		return nil, fmt.Errorf("the Microsoft 365 activity report: %w", x.unusable(nil, "no User Principal Name column"))
	}
	var dateCols []int
	for name, i := range col {
		if strings.HasSuffix(name, "Last Activity Date") {
			dateCols = append(dateCols, i)
		}
	}
	out := map[string]time.Time{}
	rows, named := 0, 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the Microsoft 365 activity report: %w", x.unusable(nil, "%v", err))
		}
		if upnCol >= len(rec) {
			continue
		}
		rows++
		upn := strings.ToLower(strings.TrimSpace(rec[upnCol]))
		if strings.Contains(upn, "@") {
			named++
		}
		var last time.Time
		for _, i := range dateCols {
			if i < len(rec) {
				if t, err := time.Parse("2006-01-02", strings.TrimSpace(rec[i])); err == nil && t.After(last) {
					last = t
				}
			}
		}
		out[upn] = last
	}
	if rows > 0 && named == 0 {
		return nil, fmt.Errorf("the Microsoft 365 activity report: %w", licensing.ErrConcealedReport)
	}
	return out, nil
}
