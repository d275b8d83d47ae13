// Package storetest runs a real redis-server for tests: on a free loopback port, in a
// temporary directory, without persistence unless asked, stopped when the test ends.
//
// The store's contract (Lua compare-and-set, streams, expiry) must hold on the Redis that
// production runs, so tests talk to the real binary rather than a fake. On a developer
// machine without redis-server the tests skip; in CI (the CI environment variable is set)
// a missing binary fails the test, so the Redis tests can never silently stop running.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options chooses how the server is started.
type Options struct {
	// AppendOnly turns on the append-only file with fsync on every write, so data
	// written before Stop survives Restart (outage and recovery tests).
	AppendOnly bool
}

// Server is one redis-server process owned by a test.
type Server struct {
	Addr string // 127.0.0.1:port
	URL  string // redis://127.0.0.1:port/0

	bin  string
	dir  string
	port int
	opts Options

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of redis-server; done closes when it has exited and been reaped.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
}

const (
	startTimeout = 10 * time.Second
	stopTimeout  = 5 * time.Second
	portAttempts = 5
)

// Start runs redis-server without persistence (--save "" --appendonly no).
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith runs redis-server with opts and stops it in t.Cleanup.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("storetest: redis-server not found on PATH and CI is set: the Redis tests must run in CI (install the redis-server package): %v", err)
		}
		t.Skipf("storetest: redis-server not found on PATH, skipping Redis tests (install the redis-server package; in CI this is a failure): %v", err)
	}
	s := &Server{bin: bin, dir: t.TempDir(), opts: opts}
	t.Cleanup(s.Stop)

	// The free port is found by binding :0 and closing it, so another process may take it
	// before redis-server binds; try a few ports before giving up.
	var lastErr error
	for range portAttempts {
		port, err := freePort()
		if err != nil {
			t.Fatalf("storetest: find a free port: %v", err)
		}
		s.setPort(port)
		if lastErr = s.start(); lastErr == nil {
			return s
		}
	}
	t.Fatalf("storetest: start redis-server: %v", lastErr)
	return nil
}

// Client returns a new client of the server, closed in t.Cleanup.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Stop shuts the server down (SIGTERM, then SIGKILL after a grace period) and waits for
// it to exit. With AppendOnly the shutdown flushes the append-only file. Stopping a
// stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Restart stops the server if it runs and starts it again on the same port and in the
// same directory, with the same options; it returns once the server answers PING.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		t.Fatalf("storetest: restart redis-server on %s: %v", s.Addr, err)
	}
}

func (s *Server) setPort(port int) {
	s.port = port
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.URL = "redis://" + s.Addr + "/0"
}

// start launches redis-server and waits until it answers PING or exits.
func (s *Server) start() error {
	appendOnly := "no"
	if s.opts.AppendOnly {
		appendOnly = "yes"
	}
	logPath := filepath.Join(s.dir, "redis.log")
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--save", "",
		"--appendonly", appendOnly,
		"--appendfsync", "always",
		"--daemonize", "no",
		"--logfile", logPath,
	)
	cmd.Dir = s.dir
	killWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()

	if err := waitForPing(s.Addr, p.done); err != nil {
		_ = cmd.Process.Kill()
		<-p.done
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("redis-server on %s: %w\n%s", s.Addr, err, log)
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// waitForPing polls addr until PING succeeds, the process exits, or startTimeout passes.
func waitForPing(addr string, exited <-chan struct{}) error {
	c := redis.NewClient(&redis.Options{
		Addr:        addr,
		MaxRetries:  -1,
		DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 200 * time.Millisecond,
	})
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	var err error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited before answering PING")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err = c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no answer to PING within %s: %w", startTimeout, err)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
