package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/licensebot/licensebot/bot/slack/slackfake"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/store/storetest"
)

// replicaEnv, when set, makes the test binary run `licensebot serve` as its main: the
// tests below start real licensebot processes from it, to kill them.
const replicaEnv = "LICENSEBOT_TEST_REPLICA"

func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) != "" {
		os.Args = []string{"licensebot", "serve"}
		main()
		os.Exit(0)
	}
	if spec := os.Getenv(ackClientEnv); spec != "" {
		if err := runAckClient(spec); err != nil {
			fmt.Fprintln(os.Stderr, "ack client:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	flag.Parse()
	if !flagSet("test.parallel") {
		// These tests wait on fakes, timers and child processes far more than they
		// compute (about 30 s of CPU in 4 min), so more of them run at once than the
		// default of one per CPU. -parallel on the command line still wins.
		_ = flag.Set("test.parallel", "6")
	}
	os.Exit(m.Run())
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// replicaSet is licensebot processes sharing one redis-server and one simulated tenant.
type replicaSet struct {
	t     *testing.T
	w     *bulkWorld
	slack *slackfake.Server
	rdb   *redis.Client
	env   []string
	procs []*exec.Cmd
	logs  []*syncBuffer
}

func newReplicaSet(t *testing.T, staff int, tenantOpts ...graphtest.Option) *replicaSet {
	t.Helper()
	redisSrv := storetest.Start(t)
	rdb := redisSrv.Client(t)
	w := newBulkWorldOn(t, rdb, staff, handlers.Options{}, tenantOpts...)
	sl := slackfake.New(t)
	for _, u := range []slackfake.User{
		{ID: "U0ADELE", Name: "adele", RealName: "Adele Vance", Email: "adele@contoso.example", Locale: "en-US"},
		{ID: "U0MEGAN", Name: "megan", RealName: "Megan Bowen", Email: "megan@contoso.example", Locale: "en-US"},
	} {
		sl.AddUser(u)
	}
	sl.AddChannel(approvalChannel)
	env := append(os.Environ(),
		replicaEnv+"=1",
		"REDIS_URL="+redisSrv.URL,
		"LICENSEBOT_IDENTITY=email",
		"LICENSEBOT_REDIS_PREFIX=licensebot-test",
		"GRAPH_BASE_URL="+w.tenant.URL,
		"GRAPH_ACCESS_TOKEN=t0ken",
		"GRAPH_TIMEOUT=2s",
		"SLACK_BOT_TOKEN="+slackfake.BotToken,
		"SLACK_SIGNING_SECRET="+testSigningSecret,
		"SLACK_API_URL="+sl.APIURL(),
		"LICENSEBOT_HTTP_ADDR=127.0.0.1:0",
		"LICENSEBOT_APPROVAL_CHANNEL="+approvalChannel,
		"LICENSEBOT_APPROVERS=megan@contoso.example",
		"LICENSEBOT_LOG_FORMAT=text",
		"LICENSEBOT_WORKERS=1",
		"LICENSEBOT_JOB_IDLE=1s",
		"LICENSEBOT_CLAIM_STALE_AFTER=4s",
		"LICENSEBOT_SHUTDOWN_TIMEOUT=5s",
	)
	return &replicaSet{t: t, w: w, slack: sl, rdb: rdb, env: env}
}

// start runs one more licensebot serve process, with extra environment ("KEY=value",
// which wins over the set's).
func (rs *replicaSet) start(extra ...string) *exec.Cmd {
	rs.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		rs.t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(slices.Clone(rs.env), extra...)
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		rs.t.Fatal(err)
	}
	rs.procs = append(rs.procs, cmd)
	rs.logs = append(rs.logs, log)
	rs.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if rs.t.Failed() {
			rs.t.Logf("replica %d log:\n%s", cmd.Process.Pid, log.String())
		}
	})
	return cmd
}

// holder is the replica process whose worker holds the request's job now.
func (rs *replicaSet) holder(within time.Duration) *exec.Cmd {
	rs.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		pending, err := rs.rdb.XPendingExt(context.Background(), &redis.XPendingExtArgs{
			Stream: "licensebot-test:jobs", Group: "executors", Start: "-", End: "+", Count: 10,
		}).Result()
		if err == nil && len(pending) > 0 {
			// Worker names are host-pid-random/n.
			parts := strings.Split(strings.Split(pending[0].Consumer, "/")[0], "-")
			pid, _ := strconv.Atoi(parts[len(parts)-2])
			for _, p := range rs.procs {
				if p.Process.Pid == pid {
					return p
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	rs.t.Fatal("no replica took the job")
	return nil
}

// waitDone waits until at least n users of the request have a recorded result.
func (rs *replicaSet) waitDone(id string, n int, within time.Duration) {
	rs.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		done, err := rs.w.st.Checkpoints(context.Background(), id)
		if err == nil && len(done) >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	rs.t.Fatalf("fewer than %d users done after %s", n, within)
}

// A worker process killed with SIGKILL in the middle of a 500-user job: another replica
// takes the job over and finishes it; no user gets two removals; the roll-up is complete.
func TestKilledReplicaJobIsFinishedByAnotherExactlyOnce(t *testing.T) {
	t.Parallel()
	const n = 500
	rs := newReplicaSet(t, n, graphtest.WithLatency(50*time.Millisecond), graphtest.WithThrottle(100, 0))
	rs.start()
	rs.start()
	// The request is planned and approved by a third licensebot in this process (its
	// workers not running), so the job is waiting in the queue for the two replicas.
	svc := rs.w.replica()
	id := rs.w.confirmed(svc, n)
	rs.w.approve(svc, id)

	victim := rs.holder(10 * time.Second)
	rs.waitDone(id, 150, 30*time.Second)
	if err := victim.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.Wait()
	before, _ := rs.w.st.Checkpoints(context.Background(), id)
	t.Logf("killed replica %d with %d of %d users done", victim.Process.Pid, len(before), n)

	r := rs.w.waitFinished(id, 90*time.Second)
	rs.w.exactlyOnce(r, n)
	if len(before) >= n {
		t.Fatalf("the job had finished before the kill; the test proves nothing")
	}
}

// SIGTERM during a running job: the process stops taking work, lets its calls in flight
// answer, hands the job back and exits within its shutdown deadline; another replica
// finishes the job with every user removed once.
func TestTerminatedReplicaHandsItsJobToAnother(t *testing.T) {
	t.Parallel()
	const n = 400
	rs := newReplicaSet(t, n, graphtest.WithLatency(50*time.Millisecond), graphtest.WithThrottle(100, 0))
	rs.start()
	rs.start()
	svc := rs.w.replica()
	id := rs.w.confirmed(svc, n)
	rs.w.approve(svc, id)

	victim := rs.holder(10 * time.Second)
	rs.waitDone(id, 100, 30*time.Second)
	stopped := time.Now()
	if err := victim.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- victim.Wait() }()
	select {
	case err := <-exited:
		took := time.Since(stopped)
		t.Logf("replica %d exited %v after SIGTERM in %s", victim.Process.Pid, err, took.Round(time.Millisecond))
		if err != nil {
			t.Errorf("exit: %v", err)
		}
		if took > 5*time.Second {
			t.Errorf("took %s to stop, more than LICENSEBOT_SHUTDOWN_TIMEOUT (5s)", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the replica did not exit within 10 s of SIGTERM")
	}
	handedBack := time.Now()
	r := rs.w.waitFinished(id, 60*time.Second)
	rs.w.exactlyOnce(r, n)
	// Handed back, not reclaimed after it went idle: the other replica went on at once.
	log := rs.logs[0].String() + rs.logs[1].String()
	if !strings.Contains(log, "job handed back") {
		t.Errorf("no hand-back in the logs")
	}
	t.Logf("the other replica finished %s after the hand-back", time.Since(handedBack).Round(time.Millisecond))
}
