package core

import (
	"fmt"
	"slices"

	"github.com/moonport/moonport/host/config"
)

// EmptyFileError is why a reload is not applied: a config file the
// running config was read from with content is now empty (0 bytes or only
// whitespace). That is nearly always a save caught half-way — an editor
// truncates the file, then writes it — and applying it would close every
// listener the file declared. The save that follows reloads as usual.
type EmptyFileError struct{ File string }

func (e *EmptyFileError) Error() string {
	return fmt.Sprintf("%s is empty (0 bytes or only whitespace), as in the middle of a save; not applied: "+
		"save it again with its contents (a file meant to be empty needs a comment line)", e.File)
}

// emptied finds a Lua file of the new config that is empty now but was
// read with content by the running one.
func emptied(running, next *config.Snapshot) error {
	for _, f := range next.Empty {
		if slices.Contains(running.Files, f) && !slices.Contains(running.Empty, f) {
			return &EmptyFileError{File: f}
		}
	}
	return nil
}
