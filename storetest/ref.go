package storetest

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	"github.com/emcdp/emcdp"
)

// This file is the suite's own statement of the query semantics, written
// independently of the stores: absent values satisfy only !=, strings compare
// case-insensitively (ASCII letters folded, then bytes), ids compare by
// their bytes, enums by position; sorts put absent values first ascending and
// last descending and break ties by id ascending.

// val is one field value of an item.
type val struct {
	absent bool
	s      string // TypeString: folded
	n      int64  // TypeInt, TypeEnum, TypeDateTime (ns), TypeBool (0/1)
	id     emcdp.ID
}

func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

func compareID(a, b emcdp.ID) int { return bytes.Compare(a[:], b[:]) }

func str(s string, optional bool) val {
	if s == "" && optional {
		return val{absent: true}
	}
	return val{s: fold(s)}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// itemID returns the id of an item of any kind.
func itemID(item any) emcdp.ID {
	switch v := item.(type) {
	case *emcdp.BackupServer:
		return v.ID
	case *emcdp.CdpPolicy:
		return v.ID
	case *emcdp.PolicySession:
		return v.ID
	case *emcdp.TaskSession:
		return v.ID
	}
	panic("storetest: not an item")
}

// valueOf returns the value of the field stored in column col of an item.
func valueOf(item any, col string) val {
	tm := func(ns int64, zero bool) val {
		if zero {
			return val{absent: true}
		}
		return val{n: ns}
	}
	switch v := item.(type) {
	case *emcdp.BackupServer:
		switch col {
		case "id":
			return val{id: v.ID}
		case "name":
			return str(v.Name, false)
		case "description":
			return str(v.Description, true)
		case "port":
			return val{n: int64(v.Port)}
		case "version":
			return str(v.Version, false)
		}
	case *emcdp.CdpPolicy:
		switch col {
		case "id":
			return val{id: v.ID}
		case "name":
			return str(v.Name, false)
		case "description":
			return str(v.Description, true)
		case "next_run":
			return tm(v.NextRun.UnixNano(), v.NextRun.IsZero())
		case "schedule_configured":
			return val{n: b2i(v.ScheduleConfigured)}
		case "schedule_enabled":
			return val{n: b2i(v.ScheduleEnabled)}
		case "backup_server_id":
			return val{id: v.BackupServerID}
		case "backup_server_name":
			return str(v.BackupServerName, false)
		}
	case *emcdp.PolicySession:
		switch col {
		case "id":
			return val{id: v.ID}
		case "name":
			return str(v.Name, false)
		case "policy_id":
			return val{id: v.PolicyID}
		case "policy_name":
			return str(v.PolicyName, false)
		case "backup_server_id":
			return val{id: v.BackupServerID}
		case "backup_server_name":
			return str(v.BackupServerName, false)
		case "creation_time":
			return val{n: v.CreationTime.UnixNano()}
		case "end_time":
			return tm(v.EndTime.UnixNano(), v.EndTime.IsZero())
		case "state":
			return val{n: int64(v.State)}
		case "result":
			return val{n: int64(v.Result)}
		case "failure_message":
			return str(v.FailureMessage, true)
		}
	case *emcdp.TaskSession:
		switch col {
		case "id":
			return val{id: v.ID}
		case "name":
			return str(v.Name, false)
		case "policy_session_id":
			return val{id: v.PolicySessionID}
		case "policy_session_name":
			return str(v.PolicySessionName, false)
		case "backup_server_id":
			return val{id: v.BackupServerID}
		case "backup_server_name":
			return str(v.BackupServerName, false)
		case "creation_time":
			return val{n: v.CreationTime.UnixNano()}
		case "end_time":
			return tm(v.EndTime.UnixNano(), v.EndTime.IsZero())
		case "state":
			return val{n: int64(v.State)}
		case "result":
			return val{n: int64(v.Result)}
		case "reason":
			return str(v.Reason, true)
		case "total_size":
			return val{n: v.TotalSize}
		case "vm_display_name":
			return str(v.VmDisplayName, false)
		}
	}
	panic("storetest: no column " + col)
}

// literal returns the value of a term's literal.
func literal(f emcdp.Field, v emcdp.Value) val {
	switch f.Type {
	case emcdp.TypeString:
		return val{s: fold(v.Str)}
	case emcdp.TypeUID:
		return val{id: v.ID}
	case emcdp.TypeDateTime:
		return val{n: v.Time.UnixNano()}
	case emcdp.TypeBool:
		return val{n: b2i(v.Bool)}
	}
	return val{n: v.Int}
}

func compareVal(t emcdp.FieldType, a, b val) int {
	switch t {
	case emcdp.TypeString:
		return strings.Compare(a.s, b.s)
	case emcdp.TypeUID:
		return compareID(a.id, b.id)
	}
	return cmp.Compare(a.n, b.n)
}

// refMatch reports whether item satisfies e.
func refMatch(e emcdp.Expr, item any) bool {
	switch e := e.(type) {
	case nil:
		return true
	case *emcdp.And:
		for _, t := range e.Terms {
			if !refMatch(t, item) {
				return false
			}
		}
		return true
	case *emcdp.Or:
		for _, t := range e.Terms {
			if refMatch(t, item) {
				return true
			}
		}
		return false
	case *emcdp.Term:
		v := valueOf(item, e.Field.Column)
		if v.absent {
			return e.Op == emcdp.OpNe
		}
		c := compareVal(e.Field.Type, v, literal(e.Field, e.Value))
		switch e.Op {
		case emcdp.OpEq:
			return c == 0
		case emcdp.OpNe:
			return c != 0
		case emcdp.OpLt:
			return c < 0
		case emcdp.OpLe:
			return c <= 0
		case emcdp.OpGt:
			return c > 0
		case emcdp.OpGe:
			return c >= 0
		}
	}
	panic("storetest: bad expression")
}

// refRun answers q over items: the page and the number of matching items.
func refRun(q *emcdp.Query, items []any) ([]any, int) {
	var m []any
	for _, it := range items {
		if refMatch(q.Filter, it) {
			m = append(m, it)
		}
	}
	f := emcdp.DefaultSort(q.Kind)
	if q.Sort != nil {
		f = *q.Sort
	}
	slices.SortStableFunc(m, func(a, b any) int {
		va, vb := valueOf(a, f.Column), valueOf(b, f.Column)
		var c int
		switch {
		case va.absent && vb.absent:
		case va.absent:
			c = -1
		case vb.absent:
			c = 1
		default:
			c = compareVal(f.Type, va, vb)
		}
		if q.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return compareID(itemID(a), itemID(b))
	})
	total := len(m)
	if q.PageSize > 0 {
		lo := min((q.Page-1)*q.PageSize, total)
		m = m[lo:min(lo+q.PageSize, total)]
	}
	return m, total
}
