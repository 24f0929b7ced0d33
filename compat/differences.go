package compat

// ExpectedDifferences names the configs of testdata/configs whose results
// in moonport differ from Prosody 0.12's today, each with the reason. The
// suite reports them without failing; a config listed here that has become
// identical fails the suite until its entry is removed, so the table always
// says what is left. Whoever fixes a rule removes the entries it fixes.
var ExpectedDifferences = map[string]string{}
