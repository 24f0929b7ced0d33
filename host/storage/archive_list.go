package storage

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/moonport/moonport/host/value"
)

// The memory and internal drivers keep a user's archive as one list of
// items in the order they were appended (as Prosody's list files and its
// SQL table's sort_id do); this file is the one query engine over such a
// list that both use, so they cannot drift apart. Its semantics are
// Prosody's SQL driver's, which its internal and memory drivers share for
// every query Prosody's own modules make:
//   - Before and After are positions in the user's whole list (an
//     unknown key is ErrItemNotFound, whichever the order), not only in
//     the items the other fields select;
//   - Delete removes the items every given field selects (all of them
//     with a zero query), and Truncate keeps the newest of those.
// Prosody's internal driver differs for combined fields (its delete
// removes items any one field selects); no Prosody module relies on that.

// NewKey is a new archive item key as Prosody's util.id.medium makes
// them: 18 random bytes in unpadded base64url, 24 characters.
func NewKey() string {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("storage: no randomness for an archive key: %v", err)) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkItem is Append's and Set's check of a value: storable data or a
// stanza, and not nil (Prosody stores no nil item).
func checkItem(v any) error {
	if v == nil {
		return fmt.Errorf("%w: an archive item cannot be nil", ErrUnsupportedDatatype)
	}
	return Check(v)
}

// copyItem is it with its value copied.
func copyItem(it Item) Item {
	it.Value = Copy(it.Value)
	return it
}

// indexOf is the position of key in items, -1 when it is not there.
func indexOf(items []Item, key string) int {
	for i, it := range items {
		if it.Key == key {
			return i
		}
	}
	return -1
}

// appendItem is items with it added at the end; an item with the same
// key is removed first, as Prosody replaces it.
func appendItem(items []Item, it Item) []Item {
	if i := indexOf(items, it.Key); i >= 0 {
		items = append(items[:i:i], items[i+1:]...)
	}
	return append(items, it)
}

// setItem changes the item with key in place, as Archive.Set; false
// when there is none.
func setItem(items []Item, key string, v any, when *float64, with *string) bool {
	i := indexOf(items, key)
	if i < 0 {
		return false
	}
	if v != nil {
		items[i].Value = Copy(v)
	}
	if when != nil {
		items[i].When = *when
	}
	if with != nil {
		items[i].With = *with
	}
	return true
}

// selection is where q's Before and After put the bounds of a list:
// only positions lo < i < hi are selected.
func selection(items []Item, q Query) (lo, hi int, err error) {
	lo, hi = -1, len(items)
	if q.After != "" {
		if lo = indexOf(items, q.After); lo < 0 {
			return 0, 0, fmt.Errorf("%w: no item %q to start after", ErrItemNotFound, q.After)
		}
	}
	if q.Before != "" {
		if hi = indexOf(items, q.Before); hi < 0 {
			return 0, 0, fmt.Errorf("%w: no item %q to end before", ErrItemNotFound, q.Before)
		}
	}
	return lo, hi, nil
}

// matches reports whether it passes q's filters (not Before, After,
// Limit: those are positions).
func (q *Query) matches(it *Item) bool {
	switch {
	case q.Start != nil && it.When < *q.Start, q.End != nil && it.When > *q.End:
		return false
	case q.With != nil && it.With != *q.With, q.Key != "" && it.Key != q.Key:
		return false
	}
	if q.IDs == nil {
		return true
	}
	for _, id := range q.IDs {
		if id == it.Key {
			return true
		}
	}
	return false
}

// findItems is Archive.Find over a user's list: the selected items
// (shared with items, not copied) in q's order, and the total.
func findItems(items []Item, q Query) ([]Item, int, error) {
	lo, hi, err := selection(items, q)
	if err != nil {
		return nil, -1, err
	}
	total := 0
	var out []Item
	for i := range items {
		if !q.matches(&items[i]) {
			continue
		}
		total++
		if i > lo && i < hi {
			out = append(out, items[i])
		}
	}
	if q.Reverse {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	if q.Limit >= 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	if !q.Total {
		total = -1
	}
	return out, total, nil
}

// deleteItems is Archive.Delete over a user's list: the items kept and
// how many went.
func deleteItems(items []Item, q Query) ([]Item, int, error) {
	lo, hi, err := selection(items, q)
	if err != nil {
		return items, 0, err
	}
	var doomed []int // positions, oldest first
	for i := range items {
		if i > lo && i < hi && q.matches(&items[i]) {
			doomed = append(doomed, i)
		}
	}
	if q.Truncate >= 0 {
		keep := min(q.Truncate, len(doomed))
		if q.Reverse {
			doomed = doomed[keep:] // the oldest stay
		} else {
			doomed = doomed[:len(doomed)-keep] // the newest stay
		}
	}
	if len(doomed) == 0 {
		return items, 0, nil
	}
	kept := make([]Item, 0, len(items)-len(doomed))
	next := 0
	for i, it := range items {
		if next < len(doomed) && doomed[next] == i {
			next++
			continue
		}
		kept = append(kept, it)
	}
	return kept, len(doomed), nil
}

// summarize is Archive.Summary over a user's list: the items q's fields
// and Before/After select (Limit and Reverse do not count, as in
// Prosody's SQL driver), by With; with bodies, each With's last body
// text too (Prosody's internal driver's).
func summarize(items []Item, q Query, bodies bool) (map[string]Summary, error) {
	q.Limit, q.Reverse = -1, false
	sel, _, err := findItems(items, q)
	if err != nil {
		return nil, err
	}
	out := map[string]Summary{}
	for _, it := range sel {
		s, ok := out[it.With]
		if !ok {
			s = Summary{Earliest: math.Inf(1), Latest: math.Inf(-1)}
		}
		s.Count++
		s.Earliest, s.Latest = min(s.Earliest, it.When), max(s.Latest, it.When)
		if st, ok := it.Value.(*Stanza); ok && bodies {
			if text, ok := childText(st.Tree, "body"); ok {
				s.Body = &text
			}
		}
		out[it.With] = s
	}
	return out, nil
}

// childText is util.stanza's get_child_text(name) on a preserialised
// element: the text of its first child element called name in its own
// namespace or none, when that child holds text only.
func childText(tree any, name string) (string, bool) {
	el, _ := tree.(*value.Table)
	if el == nil {
		return "", false
	}
	xmlns := func(t *value.Table) any { attr, _ := t.Field("attr").(*value.Table); return attr.Field("xmlns") }
	for _, c := range el.Array {
		child, ok := c.(*value.Table)
		if !ok || child.Field("name") != name || (xmlns(child) != nil && xmlns(child) != xmlns(el)) {
			continue
		}
		var text strings.Builder
		for _, part := range child.Array {
			s, ok := part.(string)
			if !ok {
				return "", false // get_text gives nil for mixed content
			}
			text.WriteString(s)
		}
		return text.String(), true
	}
	return "", false
}

// sortedUsers is the keys of a map by user, sorted.
func sortedUsers[T any](m map[string]T) []string {
	return slices.Sorted(maps.Keys(m))
}

// Every driver of this package has archives.
var (
	_ ArchiveDriver = (*Memory)(nil)
	_ ArchiveDriver = (*Internal)(nil)
	_ ArchiveDriver = Null{}
	_ Driver        = Null{}
	_ Lister        = Null{}
)
