// Package logging turns Prosody's `log` option into logrus sinks: a level,
// a file name, "*console", "*syslog", level = destination pairs, and sink
// tables such as { levels = { min = "info" }, to = "file", filename = "…" }.
//
// It owns where log lines go and in what format; it never decides what is
// logged.
package logging

import (
	"fmt"
	"io"
	"log/syslog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/value"
)

var levelNames = []string{"debug", "info", "warn", "error"}

func parseLevel(s string) (logrus.Level, bool) {
	switch s {
	case "debug":
		return logrus.DebugLevel, true
	case "info":
		return logrus.InfoLevel, true
	case "warn", "warning":
		return logrus.WarnLevel, true
	case "error":
		return logrus.ErrorLevel, true
	}
	return 0, false
}

// sink writes the entries whose level is between min and max.
type sink struct {
	min, max logrus.Level // logrus levels: lower is more severe
	out      io.Writer
	format   logrus.Formatter
	mu       *sync.Mutex
	path     string // a log file's name, for Reopen
}

// Sinks is a configured set of log destinations; it is a logrus hook.
type Sinks struct {
	sinks   []*sink
	closers []io.Closer
	redact  *strings.Replacer
	min     atomic.Int32 // a run-time level (log:level) over every sink's own; -1 for none
	files   []string
	dry     bool // ParseDry: files and syslog are named, not opened
	// Warnings are problems the sinks worked around (syslog out of
	// reach), for the host to log once they are installed.
	Warnings []string
}

// dialSyslog connects to the local syslog daemon; tests replace it.
var dialSyslog = func() (io.WriteCloser, error) {
	return syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, "moonport")
}

// Files lists the log files the sinks write.
func (s *Sinks) Files() []string { return s.files }

// SetLevel makes every sink write from level up, whatever its own minimum
// (the console's log:level); "default" goes back to the configured levels.
func (s *Sinks) SetLevel(logger *logrus.Logger, level string) error {
	if level == "default" {
		s.min.Store(-1)
		logger.SetLevel(s.Lowest())
		return nil
	}
	l, ok := parseLevel(level)
	if !ok {
		return fmt.Errorf("unknown level %q: use debug, info, warn, error or default", level)
	}
	s.min.Store(int32(l))
	logger.SetLevel(l)
	return nil
}

// Redact replaces every secret in log lines with "[redacted]". Private
// key blocks are always cut out.
func (s *Sinks) Redact(secrets []string) {
	var pairs []string
	for _, sec := range secrets {
		if len(sec) >= 4 {
			pairs = append(pairs, sec, "[redacted]")
		}
	}
	if len(pairs) > 0 {
		s.redact = strings.NewReplacer(pairs...)
	}
}

var privateKey = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`)

// Levels is every level; each sink filters for itself.
func (s *Sinks) Levels() []logrus.Level { return logrus.AllLevels }

// Fire writes e to every sink that wants its level.
func (s *Sinks) Fire(e *logrus.Entry) error {
	override := s.min.Load()
	clean := false
	for _, k := range s.sinks {
		min := k.min
		if override >= 0 {
			min = logrus.Level(override)
		}
		if e.Level > min || e.Level < k.max {
			continue
		}
		if !clean {
			s.scrub(e)
			clean = true
		}
		b, err := k.format.Format(e)
		if err != nil {
			return err
		}
		k.mu.Lock()
		_, _ = k.out.Write(b)
		k.mu.Unlock()
	}
	return nil
}

// scrub takes secrets out of the entry's message and fields.
func (s *Sinks) scrub(e *logrus.Entry) {
	e.Message = s.clean(e.Message)
	for k, v := range e.Data {
		if str, ok := v.(string); ok {
			e.Data[k] = s.clean(str)
		}
	}
}

func (s *Sinks) clean(str string) string {
	if strings.Contains(str, "PRIVATE KEY-----") {
		str = privateKey.ReplaceAllString(str, "[private key redacted]")
	}
	if s.redact != nil {
		str = s.redact.Replace(str)
	}
	return str
}

// Close closes the files the sinks opened.
func (s *Sinks) Close() {
	for _, c := range s.closers {
		_ = c.Close()
	}
	for _, k := range s.sinks {
		if k.path != "" {
			k.mu.Lock()
			if c, ok := k.out.(io.Closer); ok {
				_ = c.Close()
			}
			k.mu.Unlock()
		}
	}
}

// Reopen opens every log file again by name, as logrotate expects after
// it moved them (SIGUSR1). A file that cannot be opened keeps the old one
// and is reported.
func (s *Sinks) Reopen() error {
	if s.dry {
		return nil
	}
	var errs []string
	for _, k := range s.sinks {
		if k.path == "" {
			continue
		}
		f, err := os.OpenFile(k.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o640)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		k.mu.Lock()
		old := k.out
		k.out = f
		k.mu.Unlock()
		if c, ok := old.(io.Closer); ok {
			_ = c.Close()
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("reopening logs: %s", strings.Join(errs, "; "))
	}
	return nil
}

// Lowest is the most verbose level any sink wants, to set on the logger.
func (s *Sinks) Lowest() logrus.Level {
	lvl := logrus.ErrorLevel
	for _, k := range s.sinks {
		if k.min > lvl {
			lvl = k.min
		}
	}
	return lvl
}

// Parse builds sinks from the value of the `log` option (nil means info
// and above to the console). where names the option for errors.
func Parse(v any, where string) (*Sinks, error) {
	return parse(v, where, nil)
}

// ParseDry checks the `log` option as Parse does but opens nothing: a
// log file is listed in Files without being created or written, syslog
// is not dialed, and the only output is to: warnings and errors, as text
// without time stamps, secrets redacted (`moonport check`'s report).
func ParseDry(v any, where string, to io.Writer) (*Sinks, error) {
	if to == nil {
		to = io.Discard
	}
	return parse(v, where, to)
}

// parse builds the sinks; dry (not nil) makes them ParseDry's.
func parse(v any, where string, dry io.Writer) (*Sinks, error) {
	s := &Sinks{dry: dry != nil}
	s.min.Store(-1)
	consoleMu := &sync.Mutex{}
	if err := s.add(v, where, consoleMu, true); err != nil {
		s.Close()
		return nil, err
	}
	if dry != nil {
		s.sinks = append(s.sinks, &sink{min: logrus.WarnLevel, max: logrus.PanicLevel, out: dry, mu: &sync.Mutex{},
			format: &logrus.TextFormatter{DisableTimestamp: true, DisableColors: true}})
	}
	return s, nil
}

func (s *Sinks) add(v any, where string, consoleMu *sync.Mutex, top bool) error {
	switch x := v.(type) {
	case nil:
		return s.addDest("*console", logrus.InfoLevel, logrus.PanicLevel, false, where, consoleMu)
	case string:
		if lvl, ok := parseLevel(x); ok && top {
			return s.addDest("*console", lvl, logrus.PanicLevel, false, where, consoleMu)
		}
		return s.addDest(x, logrus.InfoLevel, logrus.PanicLevel, false, where, consoleMu)
	case *value.Table:
		for _, e := range x.Array {
			if err := s.add(e, where, consoleMu, false); err != nil {
				return err
			}
		}
		if _, ok := x.Hash["to"]; ok {
			return s.addTable(x, where, consoleMu)
		}
		if _, ok := x.Hash["levels"]; ok {
			return s.addTable(x, where, consoleMu)
		}
		for _, name := range levelNames {
			dest, ok := x.Hash[name]
			if !ok {
				continue
			}
			lvl, _ := parseLevel(name)
			d, isStr := dest.(string)
			if !isStr {
				return fmt.Errorf("%s: %s = %s: expected a file name, \"*console\" or \"*syslog\"", where, name, value.Format(dest))
			}
			// Prosody's loggingmanager: that level and every more severe
			// one (levels = { min = level }).
			if err := s.addDest(d, lvl, logrus.PanicLevel, false, where, consoleMu); err != nil {
				return err
			}
		}
		for k := range x.Hash {
			if ks, _ := k.(string); ks != "" {
				if _, ok := parseLevel(ks); !ok {
					return fmt.Errorf("%s: unknown key %s (levels are debug, info, warn, error)", where, value.Format(k))
				}
			}
		}
		return nil
	}
	return fmt.Errorf("%s: %s is not a log destination", where, value.Format(v))
}

func (s *Sinks) addTable(t *value.Table, where string, consoleMu *sync.Mutex) error {
	min, max := logrus.InfoLevel, logrus.PanicLevel
	switch lv := t.Field("levels").(type) {
	case nil:
	case *value.Table:
		if m, ok := lv.Field("min").(string); ok {
			l, ok := parseLevel(m)
			if !ok {
				return fmt.Errorf("%s: levels.min = %q: expected debug, info, warn or error", where, m)
			}
			min = l
		}
		if m, ok := lv.Field("max").(string); ok {
			l, ok := parseLevel(m)
			if !ok {
				return fmt.Errorf("%s: levels.max = %q: expected debug, info, warn or error", where, m)
			}
			max = l
		}
		if len(lv.Array) > 0 {
			min, max = logrus.PanicLevel, logrus.DebugLevel
			for _, e := range lv.Array {
				name, _ := e.(string)
				l, ok := parseLevel(name)
				if !ok {
					return fmt.Errorf("%s: levels entry %s: expected debug, info, warn or error", where, value.Format(e))
				}
				if l > min {
					min = l
				}
				if l < max {
					max = l
				}
			}
		}
	default:
		return fmt.Errorf("%s: levels = %s: expected { min = \"info\" } or a list of levels", where, value.Format(lv))
	}
	json := t.Field("format") == "json"
	switch to := t.Field("to"); to {
	case "console", nil:
		return s.addDest("*console", min, max, json, where, consoleMu)
	case "syslog":
		return s.addDest("*syslog", min, max, json, where, consoleMu)
	case "file":
		name, ok := t.Field("filename").(string)
		if !ok || name == "" {
			return fmt.Errorf("%s: a sink with to = \"file\" needs filename = \"…\"", where)
		}
		return s.addDest(name, min, max, json, where, consoleMu)
	default:
		return fmt.Errorf("%s: to = %s: expected \"console\", \"file\" or \"syslog\"", where, value.Format(to))
	}
}

func (s *Sinks) addDest(dest string, min, max logrus.Level, json bool, where string, consoleMu *sync.Mutex) error {
	var f logrus.Formatter = &logrus.TextFormatter{FullTimestamp: true, DisableColors: true}
	if json {
		f = &logrus.JSONFormatter{}
	}
	k := &sink{min: min, max: max, format: f, mu: consoleMu}
	if s.dry {
		k.out = io.Discard
		if !strings.HasPrefix(dest, "*") {
			k.path = dest
			s.files = append(s.files, dest)
			if st, err := os.Stat(filepath.Dir(dest)); err != nil || !st.IsDir() {
				s.Warnings = append(s.Warnings, fmt.Sprintf("%s: log file %s: its folder %s does not exist, so moonport cannot create it when it starts; create the folder", where, dest, filepath.Dir(dest)))
			}
		}
		s.sinks = append(s.sinks, k)
		return nil
	}
	switch dest {
	case "*console", "*stdout", "*stderr":
		k.out = os.Stderr
		if dest == "*stdout" {
			k.out = os.Stdout
		}
	case "*syslog":
		w, err := dialSyslog()
		if err != nil {
			// Prosody's syslog sink never fails (openlog connects lazily),
			// so a server without a syslog daemon still starts: here it
			// logs to the console instead and says so.
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: cannot reach syslog (%v); logging to the console instead", where, err))
			return s.addDest("*console", min, max, json, where, consoleMu)
		}
		k.out, k.mu = w, &sync.Mutex{}
		s.closers = append(s.closers, w)
	default:
		file, err := os.OpenFile(dest, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o640)
		if err != nil {
			return fmt.Errorf("%s: cannot open log file: %v", where, err)
		}
		k.out, k.mu, k.path = file, &sync.Mutex{}, dest
		s.files = append(s.files, dest)
	}
	s.sinks = append(s.sinks, k)
	return nil
}

// Install routes logger's output through the sinks.
func (s *Sinks) Install(logger *logrus.Logger) {
	logger.SetOutput(io.Discard)
	logger.ReplaceHooks(logrus.LevelHooks{})
	logger.AddHook(s)
	logger.SetLevel(s.Lowest())
	if m := s.min.Load(); m >= 0 {
		logger.SetLevel(logrus.Level(m))
	}
}
