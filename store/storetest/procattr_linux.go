package storetest

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel kill redis-server if the test binary dies without
// running its cleanups (a panic in another goroutine, a timeout, SIGKILL), so no server
// outlives the test run.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
