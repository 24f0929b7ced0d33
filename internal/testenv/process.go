package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// stopBound is how long cleanup waits after SIGTERM before SIGKILL: the
// default shutdown_deadline (5 s) and some slack, so a server that shuts
// down cleanly is never killed in the middle of it.
const stopBound = 10 * time.Second

// outputTail bounds the output a failed test's log shows of a process.
const outputTail = 64 << 10

// Process is a program a test runs in the background (most often the
// moonport binary) until the test ends. Its stdout and stderr go to one
// file of the test's, so reading them never races the writer, and a child
// that inherits them (an upgrade's new process) cannot hold Wait up as a
// pipe would.
type Process struct {
	t       testing.TB
	cmd     *exec.Cmd
	outFile string
	done    chan struct{}
	err     error // cmd.Wait's error, set before done closes
}

// Option sets up how Start runs the program.
type Option func(*exec.Cmd)

// Args appends command-line arguments.
func Args(args ...string) Option {
	return func(c *exec.Cmd) { c.Args = append(c.Args, args...) }
}

// Config runs the moonport binary in the foreground on the config file at
// path: `run --config path`.
func Config(path string) Option { return Args("run", "--config", path) }

// Env adds "NAME=value" variables to the test's own environment.
func Env(vars ...string) Option {
	return func(c *exec.Cmd) {
		if c.Env == nil {
			c.Env = os.Environ()
		}
		c.Env = append(c.Env, vars...)
	}
}

// OnlyEnv makes vars the whole environment, as a service manager would.
func OnlyEnv(vars ...string) Option {
	return func(c *exec.Cmd) { c.Env = append([]string{}, vars...) }
}

// Dir runs the program in folder dir.
func Dir(dir string) Option { return func(c *exec.Cmd) { c.Dir = dir } }

// ExtraFiles passes open files on as descriptors 3, 4, ….
func ExtraFiles(files ...*os.File) Option {
	return func(c *exec.Cmd) { c.ExtraFiles = append(c.ExtraFiles, files...) }
}

// Start runs program bin with opts and returns at once: the caller waits
// on what it needs (WaitListening, WaitOutput, a log file). When the test
// ends the process gets SIGTERM, then SIGKILL after stopBound, and a
// failed test's log shows its output.
func Start(t testing.TB, bin string, opts ...Option) *Process {
	t.Helper()
	cmd := exec.Command(bin)
	for _, o := range opts {
		o(cmd)
	}
	outFile := filepath.Join(t.TempDir(), filepath.Base(bin)+".out")
	out, err := os.Create(outFile)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close() // the child holds its own descriptor
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %q: %v", cmd.Args, err)
	}
	p := &Process{t: t, cmd: cmd, outFile: outFile, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }() // ends with the process, which cleanup stops
	t.Cleanup(p.stop)
	return p
}

// stop ends the process if it still runs and shows its output when the
// test failed.
func (p *Process) stop() {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopBound):
			p.cmd.Process.Kill()
			<-p.done
		}
	}
	if p.t.Failed() {
		out := p.Output()
		if len(out) > outputTail {
			out = "…" + out[len(out)-outputTail:]
		}
		p.t.Logf("output of %q:\n%s", p.cmd.Args, out)
	}
}

// Pid is the process's ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the process; signal 0 tells whether it still runs.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill ends the process with SIGKILL and waits until it has exited.
func (p *Process) Kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// Done is closed once the process has exited; State then says how.
func (p *Process) Done() <-chan struct{} { return p.done }

// State says how the process exited, or nil while it runs.
func (p *Process) State() *os.ProcessState {
	select {
	case <-p.done:
		return p.cmd.ProcessState
	default:
		return nil
	}
}

// Wait waits until the process exits and returns its exit code (-1 when a
// signal ended it); it fails the test after timeout.
func (p *Process) Wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		p.t.Fatalf("%q still runs after %s:\n%s", p.cmd.Args, timeout, p.Output())
		return 0
	}
}

// Err is what waiting for the process returned (nil for exit code 0), or
// nil while it runs.
func (p *Process) Err() error {
	if p.State() == nil {
		return nil
	}
	return p.err
}

// Output is what the process (and any child that kept its descriptors)
// wrote to stdout and stderr so far.
func (p *Process) Output() string {
	b, _ := os.ReadFile(p.outFile)
	return string(b)
}

// WaitOutput waits until the output contains want and returns it; it
// fails the test after timeout.
func (p *Process) WaitOutput(want string, timeout time.Duration) string {
	p.t.Helper()
	return WaitFile(p.t, p.outFile, want, timeout)
}
