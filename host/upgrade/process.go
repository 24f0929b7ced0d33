package upgrade

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// start runs the new process with the sockets files (named by keys) and
// waits for its readiness. It closes files once the process has started,
// or failed to.
func (u *Upgrader) start(ctx context.Context, keys []string, files []*os.File) error {
	defer closeAll(files)
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("cannot upgrade: readiness pipe: %w", err)
	}
	defer r.Close()
	cmd := &exec.Cmd{
		Path:   u.path,
		Args:   u.args,
		Dir:    u.dir,
		Env:    childEnv(os.Environ(), keys),
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		// ExtraFiles[i] is fd 3+i in the child: the pipe, then the sockets
		// at the numbers childEnv gave them.
		ExtraFiles: append([]*os.File{w}, files...),
	}
	err = cmd.Start()
	// Only the child may hold the write end: then end of file on r means
	// the child is gone or gave up.
	w.Close()
	if err != nil {
		return fmt.Errorf("cannot upgrade: starting %s: %w", u.path, err)
	}
	return awaitReady(ctx, cmd, r)
}

// awaitReady waits for the readiness byte on r. Without it — end of file,
// or ctx ended — the child is killed (if still there) and reaped, and the
// error says why. A ready child is left to run: it outlives this process.
func awaitReady(ctx context.Context, cmd *exec.Cmd, r *os.File) error {
	// A deadline in the past interrupts the read when ctx ends; no
	// goroutine of ours waits on the pipe.
	stop := context.AfterFunc(ctx, func() { r.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	var b [1]byte
	n, err := r.Read(b[:])
	if n == 1 && b[0] == readyByte {
		cmd.Process.Release()
		return nil
	}
	cmd.Process.Kill()
	werr := cmd.Wait()
	pid := cmd.Process.Pid
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("the new process (pid %d) was not ready in time, stopped it: %w", pid, context.Cause(ctx))
	}
	if werr == nil {
		werr = errors.New("exit status 0")
	}
	return fmt.Errorf("the new process (pid %d) ended before it was ready (%v); its log says why", pid, werr)
}
