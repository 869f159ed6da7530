package wire

import (
	"bytes"
	"testing"

	emcdp "github.com/emcdp/emcdp"
)

// TestListWriterMatchesList writes every collection in parts — one item per
// chunk, each chunk into a fresh buffer as a streaming caller does — and
// requires the concatenation to equal List's single-piece answer, in every
// format, profile and representation, for full and empty lists.
func TestListWriterMatchesList(t *testing.T) {
	w := newWorld(t)
	encs := []Encoder{{Format: XML}, {Format: JSON, Profile: V12}, {Format: JSON, Profile: V13, BOM: true}}
	for _, e := range encs {
		for _, k := range emcdp.Kinds {
			for _, rep := range []Rep{Reference, Entity} {
				full := w.result(k)
				for _, res := range []*emcdp.QueryResult{full, {}} {
					want := e.List(nil, exBase, k, res, rep)
					lw := e.ListWriter(k, rep)
					got := lw.Open(nil, res.Len() == 0)
					if res.Len() > 0 {
						for _, one := range splitResult(k, res) {
							got = append(got, lw.Items(nil, exBase, one)...)
						}
						got = append(got, lw.Close(nil)...)
					}
					if !bytes.Equal(got, want) {
						t.Errorf("%v %v rep %v (%d items): streamed answer differs\n got: %s\nwant: %s", e.Format, k, rep, res.Len(), got, want)
					}
				}
			}
		}
	}
}

// splitResult returns one QueryResult per item of kind k.
func splitResult(k emcdp.Kind, res *emcdp.QueryResult) []*emcdp.QueryResult {
	var out []*emcdp.QueryResult
	for i := range res.BackupServers {
		out = append(out, &emcdp.QueryResult{BackupServers: res.BackupServers[i : i+1]})
	}
	for i := range res.CdpPolicies {
		out = append(out, &emcdp.QueryResult{CdpPolicies: res.CdpPolicies[i : i+1]})
	}
	for i := range res.PolicySessions {
		out = append(out, &emcdp.QueryResult{PolicySessions: res.PolicySessions[i : i+1]})
	}
	for i := range res.TaskSessions {
		out = append(out, &emcdp.QueryResult{TaskSessions: res.TaskSessions[i : i+1]})
	}
	return out
}
