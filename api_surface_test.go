package sctp

import (
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"slices"
	"strings"
	"testing"
)

var updateAPI = flag.Bool("sctp.update-api", false, "rewrite testdata/api.txt from the package's exported identifiers")

// exportedAPI lists the public API of the package's production files for
// this platform (build constraints applied), sorted, one line per: type
// (with its underlying type unless it is a struct or interface), exported
// struct field and interface method (with their types), function and
// method (with their signatures), constant and variable (with their
// declared type when there is one).
func exportedAPI(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := build.Default.MatchFile(".", name); err != nil || !ok {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	d, err := doc.NewFromFiles(fset, files, "github.com/usctp/sctp")
	if err != nil {
		t.Fatal(err)
	}
	str := func(n ast.Node) string {
		var b strings.Builder
		if err := printer.Fprint(&b, fset, n); err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(b.String()), " ")
	}
	signature := func(ft *ast.FuncType) string { return strings.TrimPrefix(str(ft), "func") }
	var out []string
	values := func(kind string, vs []*doc.Value) {
		for _, v := range vs {
			for _, s := range v.Decl.Specs {
				vs := s.(*ast.ValueSpec)
				for _, id := range vs.Names {
					if !id.IsExported() {
						continue
					}
					l := kind + " " + id.Name
					if vs.Type != nil {
						l += " " + str(vs.Type)
					}
					out = append(out, l)
				}
			}
		}
	}
	funcs := func(fs []*doc.Func) {
		for _, f := range fs {
			l := "func "
			if f.Recv != "" {
				l = "method (" + f.Recv + ") "
			}
			out = append(out, l+f.Name+signature(f.Decl.Type))
		}
	}
	values("const", d.Consts)
	values("var", d.Vars)
	funcs(d.Funcs)
	for _, ty := range d.Types {
		spec := ty.Decl.Specs[0].(*ast.TypeSpec)
		switch u := spec.Type.(type) {
		case *ast.StructType:
			out = append(out, "type "+ty.Name+" struct")
			for _, f := range u.Fields.List {
				for _, id := range f.Names {
					if id.IsExported() {
						out = append(out, "field "+ty.Name+"."+id.Name+" "+str(f.Type))
					}
				}
				if len(f.Names) == 0 { // embedded
					out = append(out, "embedded "+ty.Name+" "+str(f.Type))
				}
			}
		case *ast.InterfaceType:
			out = append(out, "type "+ty.Name+" interface")
			for _, m := range u.Methods.List {
				for _, id := range m.Names {
					out = append(out, "imethod "+ty.Name+"."+id.Name+signature(m.Type.(*ast.FuncType)))
				}
			}
		default:
			out = append(out, "type "+ty.Name+" "+str(spec.Type))
		}
		values("const", ty.Consts)
		values("var", ty.Vars)
		funcs(ty.Funcs)
		funcs(ty.Methods)
	}
	slices.Sort(out)
	return out
}

// TestExportedAPI keeps the public API one story (doc.go): the pysctp-style
// Stack and sockets, and Dial/Listen/Conn/Listener. Every exported
// identifier, struct field and signature of the root package is listed in
// testdata/api.txt, so a change to its surface is a visible change to that
// file (go test -run TestExportedAPI
// -sctp.update-api . rewrites it). The log line gives the count by kind.
func TestExportedAPI(t *testing.T) {
	got := exportedAPI(t)
	counts := map[string]int{}
	for _, l := range got {
		counts[strings.Fields(l)[0]]++
	}
	ids := counts["type"] + counts["method"] + counts["const"] + counts["var"] + counts["func"]
	t.Logf("%d exported identifiers: %d types, %d methods, %d consts, %d vars, %d funcs (and %d struct fields, %d embedded, %d interface methods)",
		ids, counts["type"], counts["method"], counts["const"], counts["var"], counts["func"],
		counts["field"], counts["embedded"], counts["imethod"])
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
