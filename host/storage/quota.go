package storage

import "fmt"

// Prosody's storage_archive_item_limit: an archive keeps at most so many
// items per user, and an append beyond that fails with "quota-limit"
// (ErrQuotaLimit), as Prosody's internal, memory and SQL drivers do.
// One wrapper does it for every driver: it counts the user's items with
// the driver's own Find (the SQL driver's is a COUNT) before each append.

// WithQuota is a keeping at most limit items per user; for limit <= 0
// it is a itself (no limit).
func WithQuota(a Archive, limit int) Archive {
	if limit <= 0 {
		return a
	}
	return &quotaArchive{Archive: a, limit: limit}
}

// quotaArchive is an Archive whose Append keeps to limit.
type quotaArchive struct {
	Archive
	limit int
}

// Append refuses a new item when user has limit items or more. The
// count is taken before the append, as Prosody's drivers take it, so
// appends racing one another may pass the limit by the few that raced.
// An append with the key of an item user has replaces that item and adds
// none, so it is kept to no limit (as Prosody's memory driver).
func (q *quotaArchive) Append(user, key string, v any, when float64, with string) (string, error) {
	n, err := q.count(user, Query{Limit: 0, Truncate: -1})
	if err != nil {
		return "", err
	}
	if n >= q.limit && key != "" {
		same, err := q.count(user, Query{Key: key, Limit: 0, Truncate: -1})
		if err != nil {
			return "", err
		}
		if same > 0 { // a replacement
			return q.Archive.Append(user, key, v, when, with)
		}
	}
	if n >= q.limit {
		return "", fmt.Errorf("%w: the archive holds %d items of %q, its limit (storage_archive_item_limit)", ErrQuotaLimit, n, user)
	}
	return q.Archive.Append(user, key, v, when, with)
}

// count is how many of user's items q's filters select.
func (q *quotaArchive) count(user string, query Query) (int, error) {
	query.Total = true
	_, total, err := q.Archive.Find(user, query)
	return total, err
}

// Quota is the limit, Prosody's caps.quota.
func (q *quotaArchive) Quota() int { return q.limit }
