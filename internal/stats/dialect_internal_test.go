package stats

import (
	"testing"

	"helpdesk/internal/testdb"
)

// TestPostgresSecondsExact: the seconds between two times as PostgreSQL
// computes them for statistics (date_part, without numeric arithmetic)
// are exactly the double of EXTRACT(EPOCH …) for every interval, with
// microseconds, from a microsecond to decades, forwards and backwards.
func TestPostgresSecondsExact(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, "postgres")
	q := "SELECT count(*), count(*) FILTER (WHERE " + postgres{}.seconds("a", "b") + " IS DISTINCT FROM CAST(EXTRACT(EPOCH FROM (a - b)) AS DOUBLE PRECISION)) " +
		"FROM (SELECT b + (CASE WHEN i % 7 = 0 THEN -1 ELSE 1 END) * (interval '1 microsecond' * ((i * 2654435761) % (CASE i % 4 WHEN 0 THEN 1000 WHEN 1 THEN 86400000000 WHEN 2 THEN 31536000000000 ELSE 946080000000000 END))) AS a, b " +
		"FROM (SELECT i, timestamptz '2026-03-01 12:00:00.123457+00' + interval '1 microsecond' * ((i * 40503) % 100000000000) AS b FROM generate_series(1::bigint, 200000) i) g) x"
	var n, differ int
	if err := db.SQL.QueryRow(q).Scan(&n, &differ); err != nil {
		t.Fatal(err)
	}
	if n != 200000 || differ != 0 {
		t.Fatalf("%d of %d intervals differ", differ, n)
	}
}
