package graphtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"net/http"
	"strings"
)

// officeActivityHeader is the first row of getOffice365ActiveUserDetail's CSV, the columns
// Microsoft documents for the report (Microsoft 365 reports in the admin center, "Active
// users"; reportRoot: getOffice365ActiveUserDetail), those licensebot reads among them.
var officeActivityHeader = []string{"Report Refresh Date", "User Principal Name", "Display Name", "Is Deleted", "Deleted Date",
	"Has Exchange License", "Has OneDrive License", "Has SharePoint License", "Has Skype For Business License", "Has Yammer License", "Has Teams License",
	"Exchange Last Activity Date", "OneDrive Last Activity Date", "SharePoint Last Activity Date", "Skype For Business Last Activity Date",
	"Yammer Last Activity Date", "Teams Last Activity Date", "Exchange License Assign Date", "OneDrive License Assign Date",
	"SharePoint License Assign Date", "Skype For Business License Assign Date", "Yammer License Assign Date", "Teams License Assign Date", "Assigned Products"}

// reports answers GET /reports/getOffice365ActiveUserDetail(period='D…') as Graph does: 302
// to a short-lived download URL, which answers the CSV (text/csv, with a byte order mark).
// Each user's last activity is their last sign-in, on the Exchange and Teams columns; one
// who never signed in has no date. WithConcealedReports hides the names behind hashes, as a
// tenant with "Display concealed user, group, and site names" on does.
func (s *Server) reports(req *request, params []string) response {
	if !strings.HasPrefix(strings.ToLower(params[0]), "getoffice365activeuserdetail(") {
		return s.notFound(req, params[0])
	}
	return response{status: http.StatusFound, header: http.Header{"Location": {req.base + "/reports/download/office365activeuserdetail.csv"}}}
}

func (s *Server) reportDownload(req *request, _ []string) response {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	_ = w.Write(officeActivityHeader)
	refresh := s.dir.start.Format("2006-01-02")
	for i := range s.dir.tenant.Users {
		u := &s.dir.tenant.Users[i]
		last := ""
		if !u.NeverSignedIn {
			last = s.dir.start.AddDate(0, 0, -u.LastSignInDaysAgo).Format("2006-01-02")
		}
		upn, name := u.UserPrincipalName, u.DisplayName
		if s.cfg.concealedReports {
			sum := sha256.Sum256([]byte(upn))
			upn, name = strings.ToUpper(hex.EncodeToString(sum[:16])), strings.ToUpper(hex.EncodeToString(sum[16:]))
		}
		row := make([]string, len(officeActivityHeader))
		row[0], row[1], row[2], row[3] = refresh, upn, name, "False"
		row[11], row[16] = last, last
		_ = w.Write(row)
	}
	w.Flush()
	return response{status: http.StatusOK, header: http.Header{}, body: rawBody{contentType: "text/csv", data: b.Bytes()}}
}
