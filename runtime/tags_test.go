package runtime

import (
	"strings"
	"testing"
)

func TestConfigureContent(t *testing.T) { // cases 26, 27 and docs/design.md §4 tag decisions
	cases := []struct {
		name, in, tag string
		params        Params
		want          string
		unused        []string
	}{
		{"two tags on a line", `echo "My two parameters are ;port; and ;password;, OK?"`, "",
			Params{{"port", "6379"}, {"password", "unbreakable_password"}},
			`echo "My two parameters are 6379 and unbreakable_password, OK?"`, nil},
		{"digits as a name", "lattice fcc 0.;65;", "", Params{{"65", "70"}}, "lattice fcc 0.70", nil},
		{"spaces around", "NK = ;5;", "", Params{{"5", "10"}}, "NK = 10", nil},
		{"value with spaces", ";placeholder;", "", Params{{"placeholder", "group leftupper region"}}, "group leftupper region", nil},
		{"custom tag", `@"spherical"@`, "@", Params{{`"spherical"`, `"cartesian"`}}, `"cartesian"`, nil},
		{"quotes in a name", ";'noleap';", "", Params{{"'noleap'", "'leap'"}}, "'leap'", nil},
		{"unknown tag stripped, each on its own", "a ;x; b ;y;", "", Params{{"y", "Y"}}, "a x b Y", []string{"Unused tag x on line(s): [1]"}},
		{"custom tag is literal, not a regex", "v = .a. and .b.", ".", Params{{"a", "1"}, {"b", "2"}}, "v = 1 and 2", nil},
		{"custom tag non-greedy", "@a@ @b@", "@", Params{{"a", "1"}, {"b", "2"}}, "1 2", nil},
		{"regex metacharacters in value inserted literally", ";v;", "", Params{{"v", `\1 $0 \n`}}, `\1 $0 \n`, nil},
		{"empty name is not a tag", "a;;b;", "", Params{{"b", "B"}}, "a;B", nil},
		{"multi-char tag", "x = <<X>>", "<<", Params{{"X>>", "no"}}, "x = <<X>>", nil},
		{"lines", "A=;A;\nB=;A;\n;Z;\n;Z;", "", Params{{"A", "1"}}, "A=1\nB=1\nZ\nZ", []string{"Unused tag Z on line(s): [3, 4]"}},
	}
	for _, c := range cases {
		res := configureContent([]byte(c.in), c.params, c.tag)
		if string(res.content) != c.want {
			t.Errorf("%s: got %q want %q", c.name, res.content, c.want)
		}
		if got := unusedMessages(res.unused); strings.Join(got, "|") != strings.Join(c.unused, "|") {
			t.Errorf("%s: unused %q want %q", c.name, got, c.unused)
		}
	}
}

func TestTabulateFormats(t *testing.T) {
	got := paramsTable(Params{{"THERMO", "10"}, {"STEPS", "20"}})
	want := "Name      Value\n------  -------\nTHERMO       10\nSTEPS        20"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	got = paramsTable(Params{{"a", "1.5"}, {"b", "10.25"}, {"c", "0.10"}})
	want = "Name      Value\n------  -------\na          1.5\nb         10.25\nc          0.1"
	if got != want {
		t.Fatalf("decimal alignment: got\n%q\nwant\n%q", got, want)
	}
	got = paramsTable(Params{{"name", "Ellie"}, {"n", "2"}})
	want = "Name    Value\n------  -------\nname    Ellie\nn       2"
	if got != want {
		t.Fatalf("string column: got\n%q\nwant\n%q", got, want)
	}
}
