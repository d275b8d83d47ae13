//go:build !linux

package storetest

import "os/exec"

// killWithParent has no portable equivalent outside Linux; t.Cleanup stops the server.
func killWithParent(*exec.Cmd) {}
