package emcdp

import (
	"slices"
	"strings"
)

// Kind is one of the key resource types served.
type Kind int

// The served kinds. The zero value is not a kind.
const (
	KindBackupServer Kind = iota + 1
	KindCdpPolicy
	KindCdpReplicaSession
	KindCdpReplicaTaskSession
	// The kinds described by an emcdp.Desc follow (vbrkinds.go).
)

// Kinds lists every served kind in a fixed order (the order of querySvc
// links): the CDP kinds, then the kinds of Descs.
var Kinds = func() []Kind {
	var ks []Kind
	for _, d := range AllDescs {
		ks = append(ks, d.Kind)
	}
	slices.Sort(ks)
	return ks
}()

var kindNames = [...]string{"", "BackupServer", "CdpPolicy", "CdpReplicaSession", "CdpReplicaTaskSession"}

// String returns the type name as the API writes it, e.g. "CdpReplicaTaskSession".
func (k Kind) String() string {
	if k >= KindBackupServer && k <= KindCdpReplicaTaskSession {
		return kindNames[k]
	}
	if d := DescOf(k); d != nil {
		return d.Type
	}
	return "Kind(?)"
}

// ParseKind matches a type name case-insensitively.
func ParseKind(s string) (Kind, bool) {
	for _, k := range Kinds {
		if strings.EqualFold(s, k.String()) {
			return k, true
		}
	}
	return 0, false
}

// UID returns "urn:veeam:<Type>:<guid>".
func (k Kind) UID(id ID) string {
	return "urn:veeam:" + k.String() + ":" + id.String()
}

// ParseUID splits "urn:veeam:<Type>:<guid>" (case-insensitive prefix and type)
// into its kind and id.
func ParseUID(s string) (Kind, ID, bool) {
	const prefix = "urn:veeam:"
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return 0, ID{}, false
	}
	rest := s[len(prefix):]
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return 0, ID{}, false
	}
	k, ok := ParseKind(rest[:i])
	if !ok {
		return 0, ID{}, false
	}
	id, ok := ParseID(rest[i+1:])
	if !ok {
		return 0, ID{}, false
	}
	return k, id, true
}
