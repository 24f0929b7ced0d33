// Package watch watches the files a running config depends on and asks
// for a reload when their contents change.
//
// It watches folders rather than files, so every way editors and
// deployment tools replace a file is seen: writes in place, a temporary
// file renamed over the old one, delete then create, and the symlink swap
// Kubernetes uses for ConfigMaps. It compares contents, not events, so a
// burst of events is one reload and a touch that changes nothing is none.
// A wildcard Include's folder is watched too, so a file that comes to
// match the pattern, or stops matching, is a change like an edit.
// It does not evaluate config or apply anything: that is the Reload it
// calls.
package watch

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/sirupsen/logrus"
)

// Watched is what a running config depends on.
type Watched struct {
	Files []string // files whose contents matter
	// Patterns are wildcard Include patterns ("/etc/moonport/conf.d/*.cfg.lua"):
	// the set of files matching one matters.
	Patterns []string
}

// Watcher asks for a reload when a watched file's contents change.
type Watcher struct {
	list     func() Watched
	reload   func(why string)
	log      logrus.FieldLogger
	w        *fsnotify.Watcher
	debounce time.Duration
	dirs     map[string]bool
	sums     map[string][32]byte
	globs    map[string][32]byte // by pattern: the names matching it
	done     chan struct{}
}

// Debounce is how long the files must be quiet before they are compared.
const Debounce = 150 * time.Millisecond

// maxWait bounds how long a missing file (deleted, not yet recreated) may
// delay the reload.
const maxWait = 3 * time.Second

// Start watches what list() names until ctx ends. After each
// reload the list is asked for again, since a reload may include other
// files.
func Start(ctx context.Context, log logrus.FieldLogger, list func() Watched, reload func(why string)) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &Watcher{list: list, reload: reload, log: log, w: fw, debounce: Debounce,
		dirs: map[string]bool{}, sums: map[string][32]byte{}, globs: map[string][32]byte{}, done: make(chan struct{})}
	w.refresh()
	go w.run(ctx)
	return w, nil
}

// Done is closed when the watcher has stopped.
func (w *Watcher) Done() <-chan struct{} { return w.done }

// refresh watches the folders of the current files and patterns and
// records their contents and matches.
func (w *Watcher) refresh() {
	list := w.list()
	sums, globs := map[string][32]byte{}, map[string][32]byte{}
	for _, f := range list.Files {
		if abs, err := filepath.Abs(f); err == nil {
			sums[abs] = sum(abs)
			w.watchDir(filepath.Dir(abs))
		}
	}
	for _, p := range list.Patterns {
		if abs, err := filepath.Abs(p); err == nil {
			globs[abs] = matches(abs)
			w.watchDir(filepath.Dir(abs))
		}
	}
	w.sums, w.globs = sums, globs
}

func (w *Watcher) watchDir(dir string) {
	if w.dirs[dir] {
		return
	}
	if err := w.w.Add(dir); err != nil {
		w.log.Warnf("cannot watch %s for changes: %v", dir, err)
		return
	}
	w.dirs[dir] = true
}

// matches sums the names matching a wildcard Include pattern, skipping
// dot files as Include does (editors' swap files come and go).
func matches(pattern string) [32]byte {
	names, _ := filepath.Glob(pattern)
	var kept []string
	for _, n := range names {
		if !strings.HasPrefix(filepath.Base(n), ".") {
			kept = append(kept, n)
		}
	}
	return sha256.Sum256([]byte(strings.Join(kept, "\x00")))
}

var missing = [32]byte{}

// special stands for a path that is no longer a regular file: a change,
// which the reload then explains.
var special = [32]byte{1}

// sum hashes a file's contents. It follows symlinks, so a swapped link is
// a change; it opens without blocking and reads only regular files, so a
// named pipe or device put in a watched file's place cannot hang the
// watcher, and it streams, so a huge file costs no memory.
func sum(path string) [32]byte {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return missing
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return special
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return missing
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// snapshot sums every watched file's current contents into one string.
func (w *Watcher) snapshot() string {
	files := make([]string, 0, len(w.sums))
	for f := range w.sums {
		files = append(files, f)
	}
	sort.Strings(files)
	var b strings.Builder
	for _, f := range files {
		s := sum(f)
		b.Write(s[:])
	}
	patterns := make([]string, 0, len(w.globs))
	for p := range w.globs {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	for _, p := range patterns {
		s := matches(p)
		b.Write(s[:])
	}
	return b.String()
}

// changed lists the files whose contents differ, and whether any is
// missing right now.
func (w *Watcher) changed() (changed []string, anyMissing bool) {
	for f, old := range w.sums {
		now := sum(f)
		if now == missing {
			anyMissing = true
		}
		if now != old {
			changed = append(changed, f)
		}
	}
	for p, old := range w.globs {
		if matches(p) != old {
			changed = append(changed, p+" (a file came or went)")
		}
	}
	sort.Strings(changed)
	return changed, anyMissing
}

func (w *Watcher) run(ctx context.Context) {
	defer close(w.done)
	defer w.w.Close()
	var timer *time.Timer
	var fire <-chan time.Time
	var firstEvent time.Time
	lastSeen := ""
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-w.w.Errors:
			if !ok {
				return
			}
			w.log.Warnf("file watcher: %v", err)
		case ev, ok := <-w.w.Events:
			if !ok {
				return
			}
			_ = ev
			if timer == nil {
				timer = time.NewTimer(w.debounce)
				if lastSeen == "" {
					firstEvent = time.Now()
				}
			} else {
				timer.Reset(w.debounce)
			}
			fire = timer.C
		case <-fire:
			timer, fire = nil, nil
			changed, anyMissing := w.changed()
			if len(changed) == 0 {
				continue
			}
			// Reload only once the contents hold still: a writer may have
			// created the file and not yet filled it, or be halfway
			// through; and a deleted file may not be back yet.
			now := w.snapshot()
			stable := now == lastSeen
			lastSeen = now
			if (!stable || anyMissing) && time.Since(firstEvent) < maxWait {
				timer = time.NewTimer(w.debounce)
				fire = timer.C
				continue
			}
			lastSeen = ""
			w.reload("changed: " + strings.Join(changed, ", "))
			w.refresh()
		}
	}
}
