package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/core"
	"github.com/moonport/moonport/host/watch"
)

// A serving is the serve loop of one process: the host it runs and what
// the loop waits on.
type serving struct {
	h        *core.Host
	log      *logrus.Logger
	pidfile  string
	signals  chan os.Signal
	upgraded <-chan struct{} // closed once the new process of an upgrade is ready; nil without an upgrader
}

// serve starts h, tells systemd and an old process of an upgrade that it
// is ready, and serves until SIGINT, SIGTERM, the console or an upgrade
// stops it. signals has been receiving the process's signals since before
// the host was built (catchSignals).
func (inv *invocation) serve(h *core.Host, log *logrus.Logger, signals chan os.Signal) int {
	if path := os.Getenv("MOONPORT_CPUPROFILE"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintln(inv.stderr, "moonport:", err)
			return exitUsage
		}
		defer stop()
	}
	inv.takeSockets(h)
	s := &serving{h: h, log: log, signals: signals}
	if err := h.Start(); err != nil {
		log.Error(err)
		h.Shutdown()
		return exitBind
	}
	s.pidfile = h.Config().Options.Pidfile
	// The cookie is made now, before a privilege drop (dropRoot hands it
	// over), not at the first session.
	if _, err := h.KeptFiles(); err != nil {
		log.Errorf("The console will refuse every session: %v", err)
	}
	if code := dropRoot(h, log, s.pidfile); code != exitOK {
		h.Shutdown()
		return code
	}
	s.upgraded = inv.ready(s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.watch(ctx)
	if code := s.waitForStop(); code != exitOK {
		h.Shutdown()
		return code
	}
	cancel()
	s.shutDown()
	if err := removePidfile(s.pidfile); err != nil {
		log.Warn(err)
	}
	return exitOK
}

// catchSignals makes the signals the serve loop acts on ours, queued until
// it runs. It is called before the config is read and the modules load: a
// SIGHUP sent meanwhile (a reload by systemd or an operator right after
// start, before READY=1) would otherwise end the process with Go's default
// action. The caller stops it with signal.Stop.
func catchSignals() chan os.Signal {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	return signals
}

// takeSockets gives h the sockets it is handed instead of binding them:
// by the old process of an upgrade, through the upgrader, and by systemd
// (socket activation).
func (inv *invocation) takeSockets(h *core.Host) {
	if inv.upgrader != nil {
		h.Pool.SetSockets(inv.upgrader)
		h.SetUpgrade(inv.upgradeNow)
	}
	if inherited, _ := activation.Listeners(); len(inherited) > 0 {
		// Socket activation: systemd opened some of the ports for us.
		var ls []net.Listener
		for _, l := range inherited {
			if l != nil {
				ls = append(ls, l)
			}
		}
		h.Pool.Adopt(ls)
	}
}

// ready writes the pidfile and tells the old process of an upgrade and
// systemd that this one serves. The channel it returns is closed once
// this process is itself replaced by an upgrade.
func (inv *invocation) ready(s *serving) <-chan struct{} {
	// The pidfile names this process before an old one is told to go.
	if err := writePidfile(s.pidfile); err != nil {
		s.log.Error(err)
	}
	var upgraded <-chan struct{}
	if inv.upgrader != nil {
		if err := inv.upgrader.Ready(); err != nil {
			s.log.Warn(err)
		}
		upgraded = inv.upgrader.Exit()
	}
	notify(s.log, "READY=1", status(s.h))
	s.log.Info(startupLine(s.h, inv.build.Version, time.Since(inv.started)))
	return upgraded
}

// watch reloads when a file the config depends on changes, unless
// reload_on_change = false or the config is no file (the embedded
// default). It stops with ctx.
func (s *serving) watch(ctx context.Context) {
	h := s.h
	if h.Config().Options.ReloadOnChange {
		if _, err := os.Stat(h.Config().Path); err == nil {
			watched := func() watch.Watched { return watch.Watched{Files: h.WatchedFiles(), Patterns: h.WatchedPatterns()} }
			if _, err := watch.Start(ctx, s.log, watched, func(why string) { _ = h.Reload(why) }); err != nil {
				s.log.Warnf("cannot watch files for changes (reload with SIGHUP instead): %v", err)
			}
		}
	}
}

// waitForStop serves until a signal, the console or a finished upgrade
// says to stop. A privilege drop that fails after a reload stops it too,
// with that exit code; the host is then still to be shut down.
func (s *serving) waitForStop() int {
	for {
		select {
		case sig := <-s.signals:
			if stop, code := s.onSignal(sig); stop {
				return code
			}
		case why := <-s.h.ShutdownRequested():
			s.log.Infof("Shutting down: %s", why)
			return exitOK
		case <-s.upgraded:
			s.log.Info("The new process is ready: no longer accepting, finishing connections")
			s.h.Drain()
			return exitOK
		}
	}
}

// onSignal handles one signal; stop says the serving ends, with code.
func (s *serving) onSignal(sig os.Signal) (stop bool, code int) {
	switch sig {
	case syscall.SIGHUP:
		notify(s.log, "RELOADING=1", "STATUS=reloading")
		_ = s.h.Reload("SIGHUP")
		if code := dropRoot(s.h, s.log, s.pidfile); code != exitOK {
			return true, code
		}
		notify(s.log, "READY=1", status(s.h))
		return false, exitOK
	case syscall.SIGUSR1:
		if err := s.h.ReopenLogs(); err != nil {
			s.log.Error(err)
		}
		return false, exitOK
	case syscall.SIGUSR2:
		if err := s.h.Upgrade(); err != nil {
			s.log.Errorf("Upgrade failed, still serving: %v", err)
		}
		return false, exitOK
	}
	s.log.Infof("Received %s, shutting down", sig)
	return true, exitOK
}

// shutDown tells systemd, then stops accepting and closes every
// connection within shutdown_deadline.
func (s *serving) shutDown() {
	notify(s.log, "STOPPING=1", "STATUS=shutting down")
	shutdownWithin(s.h, s.log)
}

// shutdownGrace is the time after shutdown_deadline for the modules'
// unload once the callbacks still running have been stopped.
const shutdownGrace = time.Second

// shutdownWithin shuts the host down, giving up once shutdown_deadline
// (and shutdownGrace) has passed: at the deadline the runtime stops every
// callback still running, but one in a state without any budget
// (lua_timeout = 0 and lua_memory_limit = 0) cannot be stopped and must
// not keep the process alive. The log names the modules still busy; the
// shutdown goroutine left behind ends with the process, which main ends
// right after.
func shutdownWithin(h *core.Host, log logrus.FieldLogger) {
	deadline := h.Settings().ShutdownDeadline
	done := make(chan struct{})
	go func() { h.Shutdown(); close(done) }()
	t := time.NewTimer(deadline + shutdownGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		busy := h.Runtime.Busy()
		if len(busy) == 0 {
			busy = []string{"no module is in a callback"}
		}
		log.Errorf("Shutdown did not finish within shutdown_deadline (%s); exiting anyway: %s", deadline, strings.Join(busy, "; "))
	}
}

// startCPUProfile writes a CPU profile to path until the returned stop is
// called (MOONPORT_CPUPROFILE, for the benchmark's account of where time
// goes).
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("MOONPORT_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("MOONPORT_CPUPROFILE: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
