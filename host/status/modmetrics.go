package status

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/moonport/moonport/host/metrics"
)

// writeModuleMetrics writes the families modules defined, in OpenMetrics
// text, with names escaped as Prosody's util.openmetrics escapes them.
func writeModuleMetrics(b *strings.Builder, fams []metrics.Values) {
	for _, f := range fams {
		name := metrics.ExpositionName(f.Name)
		fmt.Fprintf(b, "# TYPE %s %s\n", name, f.Kind)
		if f.Unit != "" {
			fmt.Fprintf(b, "# UNIT %s %s\n", name, f.Unit)
		}
		if f.Help != "" {
			fmt.Fprintf(b, "# HELP %s %s\n", name, escapeHelp(f.Help))
		}
		for _, s := range f.Series {
			labels := labelText(f.Labels, s.Labels, "")
			switch f.Kind {
			case metrics.Counter:
				fmt.Fprintf(b, "%s_total%s %s\n", name, labels, number(s.Value))
			case metrics.Gauge:
				fmt.Fprintf(b, "%s%s %s\n", name, labels, number(s.Value))
			default:
				writeSamples(b, name, f, s)
			}
		}
	}
}

// writeSamples writes a histogram's buckets, then count and sum (all a
// summary has).
func writeSamples(b *strings.Builder, name string, f metrics.Values, s metrics.SeriesValues) {
	if f.Kind == metrics.Histogram {
		for i, bound := range f.Buckets {
			fmt.Fprintf(b, "%s_bucket%s %d\n", name, labelText(f.Labels, s.Labels, number(bound)), s.Buckets[i])
		}
		fmt.Fprintf(b, "%s_bucket%s %d\n", name, labelText(f.Labels, s.Labels, "+Inf"), s.Count)
	}
	labels := labelText(f.Labels, s.Labels, "")
	fmt.Fprintf(b, "%s_count%s %d\n%s_sum%s %s\n", name, labels, s.Count, name, labels, number(s.Sum))
}

// labelText is {key="value",…}, with le last when given.
func labelText(keys, values []string, le string) string {
	var parts []string
	for i, k := range keys {
		parts = append(parts, metrics.ExpositionName(k)+`="`+labelEscaper.Replace(values[i])+`"`)
	}
	if le != "" {
		parts = append(parts, `le="`+le+`"`)
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Escaping in OpenMetrics text: HELP escapes backslash and newline, a
// label value the double quote too.
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string { return helpEscaper.Replace(s) }

func number(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
