package sctp

import (
	"flag"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
)

var updateAPI = flag.Bool("sctp.update-api", false, "rewrite testdata/api.txt from the package's exported identifiers")

// exportedAPI lists the exported identifiers of the package's production
// files as go doc shows them: one line per type, method, constant,
// variable and function, sorted.
func exportedAPI(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	p := pkgs["sctp"]
	if p == nil {
		t.Fatal("package sctp not found")
	}
	d := doc.New(p, "github.com/usctp/sctp", 0)
	var out []string
	values := func(kind string, vs []*doc.Value) {
		for _, v := range vs {
			for _, s := range v.Decl.Specs {
				for _, id := range s.(*ast.ValueSpec).Names {
					if id.IsExported() {
						out = append(out, kind+" "+id.Name)
					}
				}
			}
		}
	}
	values("const", d.Consts)
	values("var", d.Vars)
	for _, f := range d.Funcs {
		out = append(out, "func "+f.Name)
	}
	for _, ty := range d.Types {
		out = append(out, "type "+ty.Name)
		values("const", ty.Consts)
		values("var", ty.Vars)
		for _, f := range ty.Funcs {
			out = append(out, "func "+f.Name)
		}
		for _, m := range ty.Methods {
			out = append(out, "method "+ty.Name+"."+m.Name)
		}
	}
	slices.Sort(out)
	return out
}

// TestExportedAPI keeps the public API one story (doc.go): the pysctp-style
// Stack and sockets, and Dial/Listen/Conn/Listener. Every exported
// identifier is listed in testdata/api.txt, so a change to the surface is
// a visible change to that file (go test -run TestExportedAPI
// -sctp.update-api . rewrites it). The log line gives the count by kind.
func TestExportedAPI(t *testing.T) {
	got := exportedAPI(t)
	counts := map[string]int{}
	for _, l := range got {
		counts[strings.Fields(l)[0]]++
	}
	t.Logf("%d exported identifiers: %d types, %d methods, %d consts, %d vars, %d funcs",
		len(got), counts["type"], counts["method"], counts["const"], counts["var"], counts["func"])
	const file = "testdata/api.txt"
	if *updateAPI {
		if err := os.WriteFile(file, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(string(b)), "\n")
	if slices.Equal(got, want) {
		return
	}
	var added, removed []string
	for _, l := range got {
		if !slices.Contains(want, l) {
			added = append(added, l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			removed = append(removed, l)
		}
	}
	t.Errorf("the exported API differs from %s (run with -sctp.update-api if intended):\nadded:   %s\nremoved: %s",
		file, fmt.Sprint(added), fmt.Sprint(removed))
}
