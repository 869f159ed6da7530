package wire

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	emcdp "github.com/emcdp/emcdp"
)

// examplesDir holds a copy of the contract's example bodies, so that the
// tests read nothing outside the module; .ci/run checks that the copy still
// matches the contract when the contract is at hand.
const examplesDir = "testdata/examples"

// readExample returns an example body without its leading comment lines.
func readExample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	for bytes.HasPrefix(b, []byte("<!--")) {
		i := bytes.Index(b, []byte("-->"))
		if i < 0 {
			t.Fatalf("%s: unterminated comment", name)
		}
		b = bytes.TrimLeft(b[i+3:], "\r\n")
	}
	return b
}

// jsonTokens returns the token stream of a JSON body, in order, so that key
// order and nulls count in a comparison.
func jsonTokens(t *testing.T, b []byte) []json.Token {
	t.Helper()
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var toks []json.Token
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return toks
		}
		if err != nil {
			t.Fatalf("invalid JSON: %v\n%s", err, b)
		}
		toks = append(toks, tok)
	}
}

// sameTokens reports the first difference between two token streams.
func sameTokens(t *testing.T, name string, got, want []byte) {
	t.Helper()
	g, w := jsonTokens(t, got), jsonTokens(t, want)
	for i := 0; i < len(g) && i < len(w); i++ {
		if !reflect.DeepEqual(g[i], w[i]) {
			t.Fatalf("%s: token %d: got %v, want %v\ngot:  %s", name, i, g[i], w[i], got)
		}
	}
	if len(g) != len(w) {
		t.Fatalf("%s: got %d tokens, want %d\ngot:  %s", name, len(g), len(w), got)
	}
}

// sameXML requires byte equality and shows the first differing line.
func sameXML(t *testing.T, name string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) && i < len(wl); i++ {
		if gl[i] != wl[i] {
			t.Fatalf("%s: line %d differs:\ngot:  %q\nwant: %q", name, i+1, gl[i], wl[i])
		}
	}
	t.Fatalf("%s: got %d lines, want %d\ngot:\n%s", name, len(gl), len(wl), got)
}

var (
	encXML = Encoder{Format: XML}
	encV12 = Encoder{Format: JSON, Profile: V12}
	encV13 = Encoder{Format: JSON, Profile: V13}
)

func TestExamples(t *testing.T) {
	ps := exPolicySession(t)
	ts := exTaskSessions(t)
	versions := []string{"v1_5", "v1_6", "v1_7"}
	const notFound = "No CdpReplicaTaskSession with id 'e6d14e83-0465-433f-95fa-f1ab4e81df0c'"
	tasks := &emcdp.QueryResult{Total: 2, TaskSessions: ts}

	render := map[string]func(e Encoder) []byte{
		"entry-point": func(e Encoder) []byte { return e.EntryPoint(nil, exBase, versions) },
		"error-404":   func(e Encoder) []byte { return e.Error(nil, 404, notFound) },
		"policy-session-entity": func(e Encoder) []byte {
			return e.PolicySession(nil, exBase, &ps, Entity)
		},
		"task-session-entity": func(e Encoder) []byte {
			return e.TaskSession(nil, exBase, &ts[0], Entity)
		},
		"task-session-reference": func(e Encoder) []byte {
			return e.TaskSession(nil, exBase, &ts[0], Reference)
		},
		"query-task-sessions-entities": func(e Encoder) []byte {
			return e.QueryResult(nil, exBase, emcdp.KindCdpReplicaTaskSession, tasks, Entity, exPaging())
		},
		"query-task-sessions-references": func(e Encoder) []byte {
			return e.QueryResult(nil, exBase, emcdp.KindCdpReplicaTaskSession, tasks, Reference, exRefPaging())
		},
	}
	cases := []struct {
		file string
		enc  Encoder
	}{
		{"entry-point.xml", encXML},
		// entry-point.v12.json ends with the Href and Type that the real
		// v12.3 and v13.0 replies write null; the goldens
		// testdata/entryPoint.*.json hold the real form.
		{"error-404.xml", encXML},
		{"error-404.v12.json", encV12},
		// logon-session.* predate the links of monitoring.md §11; the
		// goldens testdata/vbr/logonSession.* hold the logon session now.
		{"policy-session-entity.xml", encXML},
		{"policy-session-entity.v12.json", encV12},
		{"task-session-entity.xml", encXML},
		{"task-session-entity.v12.json", encV12},
		{"task-session-entity.v13.json", encV13},
		{"task-session-reference.xml", encXML},
		{"task-session-reference.v12.json", encV12},
		{"query-task-sessions-entities.xml", encXML},
		{"query-task-sessions-entities.v12.json", encV12},
		{"query-task-sessions-references.xml", encXML},
		{"query-task-sessions-references.v12.json", encV12},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			name := c.file[:strings.IndexByte(c.file, '.')]
			got := render[name](c.enc)
			want := readExample(t, c.file)
			if c.enc.Format == XML {
				sameXML(t, c.file, got, want)
			} else {
				sameTokens(t, c.file, got, want)
			}
		})
	}
}
