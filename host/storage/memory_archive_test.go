package storage

import "testing"

func TestMemoryArchive(t *testing.T) {
	runArchiveSuite(t, func(*testing.T) ArchiveDriver { return NewMemory() })
}
