package bridge

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every method of the module object is in README.md's Module API table,
// as `module:name(` (or, for the typed get_option calls, one of the
// `/_suffix` forms of the row that lists them).
func TestREADMEListsModuleMethods(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	typed := regexp.MustCompile("`module:get_option_scalar(/_[a-z]+)*\\(")
	for name := range moduleMethods {
		if strings.Contains(text, "module:"+name+"(") || strings.Contains(text, "`module:"+name+"`") {
			continue
		}
		if suffix, ok := strings.CutPrefix(name, "get_option"); ok && suffix != "" && strings.Contains(typed.FindString(text), suffix) {
			continue
		}
		t.Errorf("README.md's Module API does not list module:%s", name)
	}
}
