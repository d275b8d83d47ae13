package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"
)

// version is stamped at build time (-ldflags "-X main.version=…").
var version = "dev"

const usage = `licensebot removes Microsoft 365 licenses from chat, with confirmation and approval.

Usage:
  licensebot serve   Slack (Socket Mode or HTTP), Discord and/or Microsoft Teams in front, Redis,
                     Microsoft Graph;
                     configured by the environment (see README.md)
  licensebot demo [-policy approvers|manager|none] [-tz Europe/Istanbul] [-lang en|tr] [-worst-case]
                     the whole flow in this terminal, against a simulated tenant
  licensebot doctor  checks the configuration, Redis, Graph (token, permissions) and each
                     chat platform configured (token, scopes, channels), one line each;
                     exit 0 when all pass
  licensebot healthcheck
                     exits 0 when the licensebot on this host answers /healthz
  licensebot audit export [--since 72h|7d|2025-03-01T00:00:00Z] [--format jsonl|csv]
                     writes the audit record (a hash chain in Redis) to stdout, for a SIEM or
                     a spreadsheet
  licensebot audit verify
                     checks the audit chain; exit 0 when intact, 1 naming the first broken entry
  licensebot teams-app <file.zip>
                     writes the Microsoft Teams app package to upload, for the bot TEAMS_APP_ID
  licensebot version
  licensebot help

Configuration for real use is read from the environment (see README.md).
`

// run is the whole program: main gives it the process's arguments, environment, clock and
// streams. Every date the program shows or keeps comes from now, so tests run it on any day.
func run(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[1] {
	case "demo":
		return runDemo(ctx, args[2:], getenv, now, stdin, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "licensebot", buildVersion())
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve":
		return runServe(ctx, getenv, now, stdout, stderr)
	case "doctor":
		return runDoctor(ctx, getenv, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, getenv, stdout)
	case "audit":
		return runAudit(ctx, args[2:], getenv, now, stdout, stderr)
	case "teams-app":
		return runTeamsApp(args[2:], getenv, stdout)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[1])
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}
