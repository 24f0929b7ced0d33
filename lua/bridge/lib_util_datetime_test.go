package bridge

import (
	"testing"
)

func TestUtilDatetimeDifferential(t *testing.T) {
	t.Setenv("TZ", "UTC") // Prosody's parse goes through the local zone
	compareWithProsody(t, `
local dt = require "util.datetime"
for _, t in ipairs{ 0, 1, 86399, 951782400, 1700000000, -2, -86401,
	-62000000000, 253402300800, 4102444799 } do
	emit(t, dt.date(t), dt.datetime(t), dt.time(t), dt.legacy(t))
	emit(dt.parse(dt.datetime(t)), dt.parse(dt.legacy(t)))
end
for _, s in ipairs{ "2023-11-14T22:13:20Z", "2023-11-14T22:13:20", "2023-11-14T22:13:20.123Z",
	"2023-11-14T22:13:20.123456+02:00", "2023-11-14T22:13:20-05:30", "2023-11-14T22:13:20+0530",
	"2023-11-14T22:13:20+05", "2023-11-14T22:13:20+05:3", "2023-11-14T22:13:20+05:300",
	"20231114T22:13:20", "2023-1114T22:13:20Z", "2023-11-14T22:13:20 +01:00",
	"2023-11-14T22:13:20abc", "2023-11-14T22:13:20Zjunk", "2023-11-14T22:13:20Z+01:00",
	"2023-11-14 22:13:20Z", "2023-13-01T00:00:00Z", "2023-02-30T25:61:61Z", "2023-00-00T00:00:00Z",
	"0000-01-01T00:00:00Z", "23-11-14T22:13:20Z", "2023-11-14T22:13Z", "", "garbage",
	"2023-11-14T22:13:20-+05", "2024-02-29T12:00:00.Z" } do
	emit(s, dt.parse(s))
end
emit(dt.parse(nil))
emit(#dt.datetime(), #dt.date(), #dt.time(), #dt.legacy())
`)
}

func TestUtilDatetime(t *testing.T) {
	got := runSnippet(t, `
local dt = require "util.datetime"
emit(dt.datetime(1700000000), dt.date(0), dt.time(3661), dt.legacy(1700000000))
emit(dt.parse("2023-11-14T22:13:20Z"), dt.parse("2023-11-15T00:13:20+02:00"), dt.parse("nope"))
emit(math.abs(dt.parse(dt.datetime()) - os.time()) <= 1)
`)
	want := "2023-11-14T22:13:20Z\t1970-01-01\t01:01:01\t20231114T22:13:20\n1700000000\t1700000000\ntrue"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
