// Command licensebot removes Microsoft 365 licenses from chat, with confirmation, approval
// and the data-retention warnings. main only wires the process to run, so that tests run
// the whole program.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, time.Now, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "licensebot:", err)
		os.Exit(1)
	}
}
