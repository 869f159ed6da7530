package query

import (
	"strconv"
	"strings"

	"github.com/emcdp/emcdp"
)

// DefaultPageSize is the page size of a query that names none; every real
// reply without pageSize reports 100.
const DefaultPageSize = 100

// DefaultMaxPageSize is the largest pageSize accepted when ParseRequest is
// given no maximum.
const DefaultMaxPageSize = 10000

// Request is a parsed GET /api/query request.
type Request struct {
	Query    emcdp.Query
	Entities bool // format=Entities; false for References
	params   []param
}

// param is one segment of the query string, decoded, kept for the paging
// links. hasEq tells whether the segment had a '=' at all.
type param struct {
	name, value string
	hasEq       bool
}

// notServed lists the query types of Enterprise Manager that this server
// does not serve, so that asking for one gets a message saying so rather
// than "unknown type".
var notServed = []string{
	"FailoverPlan", "Backup", "Replica", "RestorePoint", "VmRestorePoint",
	"VAppRestorePoint", "VmReplicaPoint",
	"RestoreSession", "HierarchyRoot", "ManagedServer", "EnterpriseRole",
	"EnterpriseAccount", "WanAccelerator", "CloudGateway", "CloudTenant", "CloudReplica",
	"VCloudOrganizationConfig", "BackupFile", "VSphereSelfServiceConfig", "CloudPublicIp",
	"CloudHardwarePlan", "CloudVmReplicaPoint", "AgentRestorePoint", "AgentBackupJob", "AgentJob",
	"CloudGatewayPool", "CloudFailoverPlan", "ExternalRepository", "VlanConfiguration",
	"CloudFailoverSession", "AgentProtectionGroup", "DiscoveredComputer", "FileServer", "NASJob",
	"CdpReplica", "CdpReplicaVm", "VmReplica", "Tenant", "Catalog", "VmCatalog",
}

func invalid(format string, args ...any) *emcdp.Error {
	return emcdp.Errorf(emcdp.EInvalid, format, args...)
}

// ParseRequest parses the raw (still encoded) query string of GET /api/query.
//
// The string is split on '&' here rather than by url.ParseQuery, which
// rejects the raw '"', '<', '>' and ';' that clients send inside filters.
// Each name and value is percent-decoded (hex in either case, '+' for a
// space); a malformed escape is an error. Parameter names match in any
// letter case. A segment that is no parameter but reads as a comparison on
// a field of the type ("VmDisplayName==sql01", which arrives as name
// "VmDisplayName" and value "=sql01") is ANDed to the filter; any other
// unknown parameter (v=latest) is ignored. A repeated filter is ANDed too;
// any other repeated parameter is an error. maxPageSize <= 0 means
// DefaultMaxPageSize. Errors are *emcdp.Error with Code EInvalid.
func ParseRequest(rawQuery string, maxPageSize int) (*Request, error) {
	if maxPageSize <= 0 {
		maxPageSize = DefaultMaxPageSize
	}
	req := &Request{}
	var (
		typeName, format, sortName string
		sortSeen, typeSeen         bool
		formatSeen, sizeSeen       bool
		pageSeen                   bool
		filters                    []string
		extras                     []string
	)
	for _, seg := range strings.Split(rawQuery, "&") {
		if seg == "" {
			continue
		}
		rawName, rawValue, hasEq := strings.Cut(seg, "=")
		name, err := unescape(rawName)
		if err != nil {
			return nil, err
		}
		value, err := unescape(rawValue)
		if err != nil {
			return nil, err
		}
		once := func(seen *bool) error {
			if *seen {
				return invalid("Query parameter '%s' is given more than once", clip(name))
			}
			*seen = true
			return nil
		}
		keep := true
		switch strings.ToLower(name) {
		case "type":
			if err := once(&typeSeen); err != nil {
				return nil, err
			}
			typeName = strings.TrimSpace(value)
		case "format":
			if err := once(&formatSeen); err != nil {
				return nil, err
			}
			format = strings.TrimSpace(value)
		case "filter":
			filters = append(filters, value)
		case "sortasc", "sortdesc":
			if sortSeen {
				return nil, invalid("Query parameters sortAsc and sortDesc cannot be combined or repeated")
			}
			sortSeen = true
			sortName = value
			req.Query.Desc = strings.EqualFold(name, "sortdesc")
		case "pagesize":
			if err := once(&sizeSeen); err != nil {
				return nil, err
			}
			n, ok := parsePositive(value)
			if !ok || n > maxPageSize {
				return nil, invalid("Query parameter 'pageSize' must be an integer from 1 to %d: '%s'", maxPageSize, clip(value))
			}
			req.Query.PageSize = n
			keep = false
		case "page":
			if err := once(&pageSeen); err != nil {
				return nil, err
			}
			n, ok := parsePositive(value)
			if !ok {
				return nil, invalid("Query parameter 'page' must be an integer of 1 or more: '%s'", clip(value))
			}
			req.Query.Page = n
			keep = false
		default:
			text := name
			if hasEq {
				text += "=" + value
			}
			extras = append(extras, text)
		}
		if keep {
			req.params = append(req.params, param{name: name, value: value, hasEq: hasEq})
		}
	}

	if !typeSeen || typeName == "" {
		return nil, invalid("Query parameter 'type' is required")
	}
	k, ok := emcdp.ParseKind(typeName)
	if !ok {
		for _, t := range notServed {
			if strings.EqualFold(t, typeName) {
				return nil, invalid("Query type '%s' is not served by this server", clip(typeName))
			}
		}
		return nil, invalid("Unknown query type '%s'", clip(typeName))
	}
	req.Query.Kind = k

	switch {
	case !formatSeen, strings.EqualFold(format, "References"):
	case strings.EqualFold(format, "Entities"):
		req.Entities = true
	default:
		return nil, invalid("Query parameter 'format' must be References or Entities: '%s'", clip(format))
	}
	// References are written from a reference's columns alone, so the
	// store need not read (and the driver copy) the others.
	req.Query.Refs = !req.Entities

	if sortSeen {
		f, ok := emcdp.LookupField(k, strings.TrimSpace(sortName))
		if !ok {
			return nil, invalid("Cannot sort: unknown field '%s' for type %s", clip(sortName), k)
		}
		req.Query.Sort = &f
	}
	if !sizeSeen {
		req.Query.PageSize = DefaultPageSize
	}
	if !pageSeen {
		req.Query.Page = 1
	}

	var terms []emcdp.Expr
	for _, f := range filters {
		e, err := Parse(k, f)
		if err != nil {
			return nil, err
		}
		if e != nil {
			terms = appendFlat(terms, e, true)
		}
	}
	for _, x := range extras {
		if !looksLikeTerm(k, x) {
			continue
		}
		e, err := Parse(k, x)
		if err != nil {
			return nil, err
		}
		terms = appendFlat(terms, e, true)
	}
	if n := CountTerms(&emcdp.And{Terms: terms}); n > MaxTerms {
		return nil, invalid("Query filter is invalid: it holds %d terms, more than the limit of %d", n, MaxTerms)
	}
	switch len(terms) {
	case 0:
	case 1:
		req.Query.Filter = terms[0]
	default:
		req.Query.Filter = &emcdp.And{Terms: terms}
	}
	return req, nil
}

// looksLikeTerm reports whether s starts with a field of kind k followed by
// one of the six operators: the test for an extra filter term in the query
// string. Such a segment is then parsed in full, so that a bad value is an
// error rather than silently dropped.
func looksLikeTerm(k emcdp.Kind, s string) bool {
	i := 0
	var name strings.Builder
	for i < len(s) && (isNameChar(s[i]) || isSpace(s[i])) {
		if !isSpace(s[i]) {
			name.WriteByte(s[i])
		}
		i++
	}
	if _, ok := emcdp.LookupField(k, name.String()); !ok || i >= len(s) {
		return false
	}
	_, _, ok := lexOp(s[i:])
	return ok
}

// parsePositive reads a decimal integer of 1 or more.
func parsePositive(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1
}

// unescape decodes one name or value of the query string: %XY in either hex
// case, and '+' as a space. Anything else passes as it is, raw quotes and
// comparison signs included.
func unescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			if i+2 >= len(s) {
				return "", invalid("Malformed percent-encoding in query string: '%s'", clip(s[i:]))
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", invalid("Malformed percent-encoding in query string: '%s'", clip(s[i:i+3]))
			}
			b = append(b, hi<<4|lo)
			i += 2
		case '+':
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
