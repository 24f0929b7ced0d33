package storage

import (
	"errors"
	"testing"
)

// The item limit joins the archive suite, so it runs on every driver.
func init() {
	archiveMoreCases = append(archiveMoreCases, archiveCase{"quota", testQuota})
}

// testQuota: WithQuota(a, 3) takes three items per user, refuses the
// fourth with quota-limit, replaces an item by key at the limit, counts
// each user apart, and takes items again once some are deleted.
func testQuota(t *testing.T, a Archive, _ ArchiveDriver) {
	if WithQuota(a, 0) != a {
		t.Error("WithQuota(a, 0) is not a")
	}
	q := WithQuota(a, 3)
	if got := q.(interface{ Quota() int }).Quota(); got != 3 {
		t.Errorf("Quota() = %d", got)
	}
	v := tbl(nil, map[any]any{"n": 1.0})
	for _, k := range []string{"k1", "k2", ""} {
		if _, err := q.Append("alice", k, v, 100, "x"); err != nil {
			t.Fatalf("append %q: %v", k, err)
		}
	}
	if _, err := q.Append("alice", "", v, 100, "x"); !errors.Is(err, ErrQuotaLimit) {
		t.Errorf("the fourth item: %v, want quota-limit", err)
	}
	if _, err := q.Append("alice", "k4", v, 100, "x"); !errors.Is(err, ErrQuotaLimit) {
		t.Errorf("the fourth item, keyed: %v, want quota-limit", err)
	}
	if _, err := q.Append("alice", "k2", tbl(nil, map[any]any{"n": 2.0}), 200, "x"); err != nil {
		t.Errorf("replacing k2 at the limit: %v", err)
	}
	if _, err := q.Append("bob", "", v, 100, "x"); err != nil {
		t.Errorf("another user: %v", err)
	}
	if _, total, err := a.Find("alice", Query{Limit: -1, Total: true, Truncate: -1}); total != 3 || err != nil {
		t.Errorf("alice has %d items (%v), want 3", total, err)
	}
	if n, err := a.Delete("alice", false, Query{Key: "k1", Limit: -1, Truncate: -1}); n != 1 || err != nil {
		t.Fatalf("delete k1: %d %v", n, err)
	}
	if _, err := q.Append("alice", "", v, 100, "x"); err != nil {
		t.Errorf("after a delete: %v", err)
	}
}
