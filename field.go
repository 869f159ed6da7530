package emcdp

import "strings"

// FieldType is the value type of a queryable field.
type FieldType int8

// Field value types, as the query reference names them.
const (
	TypeString   FieldType = iota + 1
	TypeUID                // UidType: urn:veeam:<Type>:<guid>
	TypeDateTime           // compared chronologically
	TypeInt                // Int and Long
	TypeBool               // equality only
	TypeEnum               // compared by position in Field.Enum
	// TypeDouble is a Double kept as an integer of hundredths (a Ratio),
	// compared as the double its written form reads as.
	TypeDouble
)

func (t FieldType) String() string {
	switch t {
	case TypeString:
		return "String"
	case TypeUID:
		return "UidType"
	case TypeDateTime:
		return "DateTime"
	case TypeInt:
		return "Long"
	case TypeBool:
		return "Boolean"
	case TypeEnum:
		return "Enum"
	case TypeDouble:
		return "Double"
	}
	return "?"
}

// Field is one field of the query service's catalogue: its documented name,
// value type, and the logical column that both stores name the same way.
type Field struct {
	Name   string    // as documented, e.g. "CreationTimeUTC"
	Type   FieldType //
	Enum   []string  // value names by position, for TypeEnum
	Ref    Kind      // the kind a TypeUID value names
	Column string    // column name in every store's schema
	Null   bool      // the column may hold NULL (an absent value)
}

// descFields are the catalogues of the described kinds, from their Props.
var descFields = func() map[Kind][]Field {
	m := map[Kind][]Field{}
	for _, d := range AllDescs {
		for _, p := range d.Props {
			if p.Name != "" {
				m[d.Kind] = append(m[d.Kind], p.Field)
			}
		}
		for i, name := range d.QueryOrder {
			m[d.Kind][i] = d.Prop(name).Field
		}
	}
	return m
}()

// Fields returns the catalogue of a kind, in documented order.
func Fields(k Kind) []Field {
	return descFields[k]
}

// LookupField finds a field of kind k by name, case-insensitively, accepting
// "Id" and "UID" on every kind and "CreationTime"/"EndTime" for the UTC
// fields of the session kinds.
func LookupField(k Kind, name string) (Field, bool) {
	switch {
	case strings.EqualFold(name, "Id"), strings.EqualFold(name, "UID"):
		if fs := Fields(k); len(fs) > 0 {
			name = fs[0].Name
		}
	case strings.EqualFold(name, "CreationTime"):
		name = "CreationTimeUTC"
	case strings.EqualFold(name, "EndTime"):
		name = "EndTimeUTC"
	}
	for _, f := range Fields(k) {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return Field{}, false
}

// DefaultSort returns the field that a kind is ordered by when a query names
// none: creation time for the session kinds, the name for the others.
func DefaultSort(k Kind) Field {
	d := KindDesc(k)
	if d == nil {
		return Field{}
	}
	if d.Session || d.Newest {
		return d.Column("creation_time").Field
	}
	return d.Props[1].Field
}
