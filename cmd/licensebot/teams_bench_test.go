package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot/teams/teamsfake"
	"github.com/licensebot/licensebot/graph/graphtest"
)

// BenchmarkTeamsMessageAck is BenchmarkSlashCommandAck for Teams: 200 activities at once
// (dry-run commands in Adele's 1:1 chat), each with a bearer token signed for real, to
// licensebot serve while the simulated Graph takes 300 ms a request; it reports how long
// the Bot Connector waits for the 200. The tokens are signed before the burst (one per
// activity, as Teams sends them): the client's RSA signing is not the server's latency.
//
//	go test -run '^$' -bench TeamsMessageAck -benchtime 5x ./cmd/licensebot/
func BenchmarkTeamsMessageAck(b *testing.B) {
	fake := teamsfake.New(b, teamsfake.Tenant(teamsTenant))
	adele := fake.AddUser(teamsfake.User{Name: "Adele Vance", UPN: "adele@contoso.example", AADObjectID: sampleUserID(b, "adele@contoso.example"), Installed: true})
	appID, secret, tenant := fake.Credentials()
	w := startServe(b, map[string]string{
		"LICENSEBOT_LOG_LEVEL": "info", "SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "",
		"TEAMS_APP_ID": appID, "TEAMS_APP_PASSWORD": secret, "TEAMS_TENANT_ID": tenant,
		"TEAMS_OPENID_METADATA_URL": fake.OpenIDMetadataURL(), "TEAMS_TOKEN_URL": fake.TokenURL(),
		"LICENSEBOT_APPROVAL_POLICY": "manager",
	}, graphtest.WithLatency(300*time.Millisecond))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: ackBurst, MaxConnsPerHost: ackBurst}}
	var all []time.Duration
	round := 0
	for b.Loop() {
		b.StopTimer()
		bodies, tokens := make([][]byte, ackBurst), make([]string, ackBurst)
		for i := range ackBurst {
			a := fake.Personal(adele, fmt.Sprintf("unassign alice@contoso.example --product ENTERPRISEPACK --dry-run --reason r%d-%d", round, i))
			bodies[i], _ = json.Marshal(a)
			tok, err := fake.SignToken(a.ServiceURL)
			if err != nil {
				b.Fatal(err)
			}
			tokens[i] = tok
		}
		b.StartTimer()
		lat := make([]time.Duration, ackBurst)
		errs := make([]error, ackBurst)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range ackBurst {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodPost, w.base+"/api/messages", bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tokens[i])
				<-start
				t0 := time.Now()
				resp, err := client.Do(req)
				lat[i] = time.Since(t0)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("answered %d", resp.StatusCode)
					}
				}
				errs[i] = err
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		logAckRound(b, round, lat)
		all = append(all, lat...)
		round++
	}
	reportAcks(b, all)
}
