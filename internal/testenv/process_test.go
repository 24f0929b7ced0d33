package testenv

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Start passes args, environment and folder on, collects stdout and
// stderr together, and Wait returns the exit code.
func TestStartRunsWithOptions(t *testing.T) {
	dir := t.TempDir()
	p := Start(t, "sh", Args("-c", `echo "out $WHO $(pwd)"; echo err >&2; exit 3`), Env("WHO=tester"), Dir(dir))
	if code := p.Wait(10 * time.Second); code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
	out := p.Output()
	if !strings.Contains(out, "out tester "+dir+"\n") || !strings.Contains(out, "err\n") {
		t.Errorf("output %q lacks stdout or stderr", out)
	}
	if p.State() == nil || p.Err() == nil {
		t.Errorf("after exit 3: state %v, err %v", p.State(), p.Err())
	}
	t.Setenv("TESTENV_LEAK", "yes")
	only := Start(t, "/bin/sh", Args("-c", `echo "[$TESTENV_LEAK] $ONLY"`), OnlyEnv("ONLY=this"))
	only.Wait(10 * time.Second)
	if out := only.Output(); out != "[] this\n" {
		t.Errorf("OnlyEnv: output %q, want the given variable alone", out)
	}
}

// ExtraFiles become descriptors 3 on; Signal reaches the process, Done
// closes when it exits, and WaitOutput sees output as it comes.
func TestStartSignalAndExtraFiles(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := Start(t, "sh", Args("-c", `trap 'echo got HUP; exit 0' HUP; echo ready >&3; echo waiting; while :; do sleep 0.05; done`), ExtraFiles(w))
	w.Close()
	buf := make([]byte, 6)
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "ready\n" {
		t.Fatalf("descriptor 3: %q, %v", buf[:n], err)
	}
	p.WaitOutput("waiting", 10*time.Second)
	if p.State() != nil {
		t.Fatal("State is set while the process runs")
	}
	p.Signal(syscall.SIGHUP)
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done never closed after the trap's exit")
	}
	if code := p.Wait(time.Second); code != 0 || !strings.Contains(p.Output(), "got HUP") {
		t.Errorf("exit %d, output %q", code, p.Output())
	}
}

// Cleanup stops a process still running when its test ends, with SIGTERM.
func TestStartStopsAtCleanup(t *testing.T) {
	var p *Process
	t.Run("inner", func(t *testing.T) {
		p = Start(t, "sh", Args("-c", `trap 'exit 7' TERM; echo up; while :; do sleep 0.05; done`))
		p.WaitOutput("up", 10*time.Second)
	})
	select {
	case <-p.Done():
	default:
		t.Fatal("the process still runs after its test ended")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 7 {
		t.Errorf("exit code %d, want 7 (the TERM trap)", code)
	}
}

// recordingTB stands for a test whose failure and log this file decides
// and reads; what it does not override goes to the real test.
type recordingTB struct {
	testing.TB
	failed   bool
	logs     []string
	cleanups []func()
}

func (r *recordingTB) Helper()          {}
func (r *recordingTB) Failed() bool     { return r.failed }
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Logf(format string, a ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, a...))
}
func (r *recordingTB) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// A failed test's log shows the output of its process; a passing one's
// does not.
func TestStartShowsOutputWhenTheTestFailed(t *testing.T) {
	for _, failed := range []bool{false, true} {
		r := &recordingTB{TB: t, failed: failed}
		p := Start(r, "sh", Args("-c", `echo the-marker; while :; do sleep 0.05; done`))
		p.WaitOutput("the-marker", 10*time.Second)
		r.runCleanups()
		shown := strings.Contains(strings.Join(r.logs, "\n"), "the-marker")
		if shown != failed {
			t.Errorf("test failed %v: output shown %v; log %q", failed, shown, r.logs)
		}
		if p.State() == nil {
			t.Errorf("the process still runs after cleanup")
		}
	}
}
