package emcdp

import (
	"context"
	"slices"
	"time"
)

// A Desc describes one resource kind once: its names, its properties (what
// the query service filters on, what a store keeps in which column, what the
// wire writes under which element, in which order, and how an absent value
// is written), its links, its collection paths, and how it is indexed. The
// wire encoders, the query catalogue, both SQL schemas and their readers and
// writers, the routes and the store suite are generic code over Descs, so
// that adding a property or a kind is a change to its description alone.
//
// Descriptions are typed where they are written (the P… constructors take
// accessor funcs over the domain struct, so a property and its struct field
// cannot disagree) and untyped where they are read: every accessor takes the
// item as an any holding a pointer, which costs neither reflection nor an
// allocation per access.
type Desc struct {
	Kind  Kind
	Type  string // entity Type and UID type, e.g. "BackupJobSession"
	Path  string // collection path, e.g. "/backupSessions/"
	List  string // entity list element and JSON key, e.g. "BackupJobSessions"
	Table string // the table of both stores

	// Names that differ from the usual ones, empty when they do not:
	// Elem is the XML root of the entity and of its list items (NASJob);
	// QueryList the Entities element of a query result (AgentBackupJob);
	// RefPath the path of the reference's own Href and EntityPath the
	// entity's (Q5: /backupTaskSessions/; the NasJob reference:
	// /agents/jobs/; Q1: a CDP task session entity's /replicaTaskSessions/);
	// AltType the type the Alternate link names (Q9: Job).
	Elem, QueryList, RefPath, EntityPath, AltType string
	// Fallback is the kind whose item answers GET Path + id when no item of
	// this kind has the id, so that an own Href written under another
	// kind's path resolves (Q5); 0 for none.
	Fallback Kind

	// Session marks a session kind: its collections hold the sessions of
	// the session window only, newest first; its default sort is the
	// creation time; its name carries its creation time (G9).
	Session bool
	// Newest orders a kind that is not a session kind as one: collections
	// newest first, queries by creation time; it keeps every row.
	Newest bool
	// Names is how profiles write the item's name.
	Names NameForm

	// Props lists the properties; Props[0] is the id (column "id") and
	// Props[1] the name (column "name"). Elements are written in this order
	// (XML), with the First ones moved ahead in JSON.
	Props []Prop
	// Links lists the links in order; the Alternate link is written where
	// Link.Alternate is set.
	Links []Link
	// Parents are further collection paths of the kind below another
	// resource, e.g. "backupServers/*/jobs", each listing the items whose
	// Field equals the path's id.
	Parents []ParentPath
	// RefCols, when set, lists the columns a reference of the kind is
	// written from (the id, the name and what its links name) and the
	// creation time the collections page by: a query with Refs set reads
	// only these, which the stores can answer from an index that holds
	// them. Empty: a reference is read with every column.
	RefCols []string
	// Indexes lists the column lists indexed in both stores, beyond the
	// primary key on id. A string column is indexed case-insensitively.
	Indexes [][]string
	// Includes returns the item's ObjectInJob list (kinds with includes),
	// or is nil. IncludeTable names the table that keeps them when it is
	// not the shared one (sqlgen.ObjectsTable): a CDP policy's
	// policy_objects, made by the numbered migrations. IncludeLinks gives
	// the items of the includes collection their links, Delete (the item)
	// and Up (the owner's entity), as a CDP policy's have (actions.md
	// §4.4); a job's have none.
	Includes     func(item any) *[]ObjectInJob
	IncludeTable string
	IncludeLinks bool
	// QueryOrder lists the query names in the catalogue's order when it is
	// not the order of Props (a CDP policy's catalogue lists NextRun before
	// ScheduleConfigured, its elements write it after ScheduleEnabled).
	QueryOrder []string
	// Related, when set, is read by the stores with each item: the rows of
	// another kind that name the item (a job session's restore points).
	Related *Related

	// New returns a pointer to a new zero item.
	New func() any

	// Per-kind options of the CDP kinds, whose forms predate G9 and the
	// regular VBR kinds.

	// Ticks writes DateTimes with 7 fractional digits in every profile
	// (AppendDateTime) and session names as stored, instead of per profile.
	Ticks bool
	// QueryElem is the entity element in query results when it is not Type
	// (quirk Q2: CdpPolicySession).
	QueryElem string
	// Migrated marks a table made by the numbered migrations, with its
	// indexes: a store does not make it, only adds the columns of
	// properties described since.
	Migrated bool
	// Typed, when set, keeps the items of a query in a typed slice of
	// QueryResult instead of Items (the CDP kinds, whose store methods
	// return their structs).
	Typed *TypedResult
}

// TypedResult reaches the typed slice of a kind in a QueryResult, and the
// store's typed method that reads one item.
type TypedResult struct {
	Read func(ctx context.Context, s ResourceStore, id ID) (any, error) // nil, not a nil pointer, on an error
	Add  func(res *QueryResult) any                                     // appends a zero item and returns a pointer to it
	Len  func(res *QueryResult) int
	At   func(res *QueryResult, i int) any
	Grow func(res *QueryResult, n int) // makes room for n more items
}

// Grow makes room in res for n more items of d, so that adding a page of
// items known in advance grows their slice once instead of step by step
// (copying every item added so far at each step).
func (d *Desc) Grow(res *QueryResult, n int) {
	if d.Typed != nil {
		d.Typed.Grow(res, n)
		return
	}
	res.Items = slices.Grow(res.Items, n)
}

// Add appends a new zero item of d to res and returns a pointer to it.
func (d *Desc) Add(res *QueryResult) any {
	if d.Typed != nil {
		return d.Typed.Add(res)
	}
	it := d.New()
	res.Items = append(res.Items, it)
	return it
}

// Len returns the number of items of d in res.
func (d *Desc) Len(res *QueryResult) int {
	if d.Typed != nil {
		return d.Typed.Len(res)
	}
	return len(res.Items)
}

// At returns the i-th item of d in res.
func (d *Desc) At(res *QueryResult, i int) any {
	if d.Typed != nil {
		return d.Typed.At(res, i)
	}
	return res.Items[i]
}

// Prop is one property of a kind.
type Prop struct {
	// Field is the query service's view: Name empty means the property is
	// not a query field. Column empty means it is not stored (a constant or
	// a property computed from others).
	Field
	// Elem is the XML element and the PascalCase JSON key; empty when the
	// wire does not write the property.
	Elem string
	// Attr writes the property as a root attribute after UID (XML) and
	// after the own elements (JSON), as VmDisplayName.
	Attr bool
	// First moves the element to the front in JSON (IsRetry, G10).
	First bool
	// OmitZero omits the element in XML and writes null in JSON when the
	// value is absent (a zero DateTime or an empty string).
	OmitZero bool
	// Mutable marks the columns that a session update writes, when a kind
	// marks any; otherwise an update writes every column.
	Mutable bool

	// Get and Set read and write the value of a scalar property.
	Get func(item any) Value
	Set func(item any, v Value)
	// RefOf, when set, names the kind of a UidType value by item (a
	// session's job is a Job, an AgentBackupJob or a NasJob).
	RefOf func(item any) Kind
	// Ptr returns a pointer to a structured property (stored as JSON text,
	// written by the wire's writer for its type); nil for scalars.
	Ptr func(item any) any
}

// Scalar reports whether p holds a scalar value (not a structured one).
func (p *Prop) Scalar() bool { return p.Ptr == nil }

// Present reports whether v is a present value of p: absent values are zero
// times and, for nullable properties, empty strings and zero ids.
func (p *Prop) Present(v Value) bool {
	switch p.Type {
	case TypeDateTime:
		return !v.Time.IsZero()
	case TypeString:
		return !p.Null || v.Str != ""
	case TypeUID:
		return !p.Null || !v.ID.IsZero()
	}
	return true
}

// Related names the rows of Of whose Column holds an item's id. A store
// reads their ids and names with the item, in one indexed read per page,
// into Refs in CompareGUID order; no row leaves Refs nil.
type Related struct {
	Of     *Desc
	Column string
	Refs   func(item any) *[]Ref
}

// Link is one link of a kind. Its Href is base + Path + the id (own id, or
// ID's) + Tail.
type Link struct {
	Rel, Type  string
	Path       string
	ID         func(item any) ID     // nil: the item's own id
	Name       func(item any) string // nil: no Name
	Tail       string
	Alternate  bool                // the Alternate link (G5): Type and Href follow the representation
	EntityOnly bool                // written on the entity only
	RefOnly    bool                // written on the reference only
	When       func(item any) bool // nil: always
	Names      NameForm            // how profiles write Name
	// PathOf, when set, gives the path by item (a session's job path per
	// job kind); EntityType and EntityTail, when set, replace Type and Tail
	// on the entity (a protection group's computers).
	PathOf                 func(item any) string
	EntityType, EntityTail string
	// Each, when set, writes the link once per Ref, with its id and name
	// (a job session's restore points); ID and Name are then unused.
	Each func(item any) []Ref
}

// NameForm is how the profiles write a name kept in the store (G9).
type NameForm int8

// The name forms.
const (
	NameAsIs    NameForm = iota // as kept
	NameSession                 // "<owner>@<time>": v13 as kept, v12 and XML the time rounded to whole seconds
	NamePoint                   // a restore point's time: v13 as kept, v12 and XML "MMM d yyyy h:mmtt"
)

// ParentPath is a collection of the kind below a parent resource.
type ParentPath struct {
	Pattern string // lower-case segments with "*" for the parent's id, e.g. "jobs/*/backupsessions"
	Field   string // the query field that equals the parent's id
	Parent  Kind   // the parent's kind when it is not the field's Ref (agent and NAS jobs' sessions)
}

// ID returns the id of an item of d.
func (d *Desc) ID(item any) ID { return d.Props[0].Get(item).ID }

// Name returns the name of an item of d.
func (d *Desc) Name(item any) string { return d.Props[1].Get(item).Str }

// UID returns "urn:veeam:<Type>:<guid>".
func (d *Desc) UID(id ID) string { return "urn:veeam:" + d.Type + ":" + id.String() }

// Prop finds a property by query name (case-insensitive), or nil.
func (d *Desc) Prop(name string) *Prop {
	for i := range d.Props {
		if d.Props[i].Name != "" && equalFold(d.Props[i].Name, name) {
			return &d.Props[i]
		}
	}
	return nil
}

// Column finds a property by column, or nil.
func (d *Desc) Column(col string) *Prop {
	for i := range d.Props {
		if d.Props[i].Column == col {
			return &d.Props[i]
		}
	}
	return nil
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// The typed constructors. Each takes the query name (empty: not a query
// field), the wire element (empty: not written), the column (empty: not
// stored) and an accessor to the struct field.

// PID is the id property of kind k: query names UID and Id, column "id".
func PID[T any](k Kind, get func(*T) *ID) Prop {
	return PUID("UID", "", "id", k, get)
}

// PUID is a UidType property naming an item of kind ref.
func PUID[T any](name, elem, col string, ref Kind, get func(*T) *ID) Prop {
	return Prop{Field: Field{Name: name, Type: TypeUID, Ref: ref, Column: col}, Elem: elem,
		Get: func(x any) Value { return Value{ID: *get(x.(*T))} },
		Set: func(x any, v Value) { *get(x.(*T)) = v.ID }}
}

// PStr is a String property.
func PStr[T any](name, elem, col string, get func(*T) *string) Prop {
	return Prop{Field: Field{Name: name, Type: TypeString, Column: col}, Elem: elem,
		Get: func(x any) Value { return Value{Str: *get(x.(*T))} },
		Set: func(x any, v Value) { *get(x.(*T)) = v.Str }}
}

// POptStr is a String property whose empty value is absent (NULL).
func POptStr[T any](name, elem, col string, get func(*T) *string) Prop {
	p := PStr(name, elem, col, get)
	p.Null = true
	return p
}

// PInt is an Int or Long property over any integer field.
func PInt[T any, N ~int | ~int64 | ~int32](name, elem, col string, get func(*T) *N) Prop {
	return Prop{Field: Field{Name: name, Type: TypeInt, Column: col}, Elem: elem,
		Get: func(x any) Value { return Value{Int: int64(*get(x.(*T)))} },
		Set: func(x any, v Value) { *get(x.(*T)) = N(v.Int) }}
}

// PRatio is a Ratio kept in hundredths: a Double on the wire and in the
// query service, which compares it as the double n/100 (its written form).
func PRatio[T any](name, elem, col string, get func(*T) *Ratio) Prop {
	p := PInt(name, elem, col, get)
	p.Type = TypeDouble
	p.Get = func(x any) Value { n := int64(*get(x.(*T))); return Value{Int: n, Float: float64(n) / 100} }
	return p
}

// PBool is a Boolean property.
func PBool[T any](name, elem, col string, get func(*T) *bool) Prop {
	return Prop{Field: Field{Name: name, Type: TypeBool, Column: col}, Elem: elem,
		Get: func(x any) Value { return Value{Bool: *get(x.(*T))} },
		Set: func(x any, v Value) { *get(x.(*T)) = v.Bool }}
}

// PTime is a DateTime property; with Opt, the zero time is absent (NULL).
func PTime[T any](name, elem, col string, get func(*T) *time.Time) Prop {
	return Prop{Field: Field{Name: name, Type: TypeDateTime, Column: col}, Elem: elem,
		Get: func(x any) Value { return Value{Time: *get(x.(*T))} },
		Set: func(x any, v Value) { *get(x.(*T)) = v.Time }}
}

// PEnum is an enum property valued by position in names.
func PEnum[T any, E ~int8](name, elem, col string, names []string, get func(*T) *E) Prop {
	return Prop{Field: Field{Name: name, Type: TypeEnum, Enum: names, Column: col}, Elem: elem,
		Get: func(x any) Value { return Value{Int: int64(*get(x.(*T)))} },
		Set: func(x any, v Value) { *get(x.(*T)) = E(v.Int) }}
}

// PConst is a wire-only String element with a constant value.
func PConst(elem, value string) Prop {
	return Prop{Field: Field{Type: TypeString}, Elem: elem, Get: func(any) Value { return Value{Str: value} }}
}

// PJSON is a structured property kept as JSON text in col and written on
// the wire under elem by the wire's writer for *S.
func PJSON[T, S any](elem, col string, get func(*T) *S) Prop {
	return Prop{Field: Field{Column: col}, Elem: elem, Ptr: func(x any) any { return get(x.(*T)) }}
}

// PWhole is a wire-only element computed from the whole item, written by
// the wire's writer for *T (e.g. a Job's JobInfo).
func PWhole[T any](elem string) Prop {
	return Prop{Elem: elem, Ptr: func(x any) any { return x.(*T) }}
}

// Opt marks a property's empty value absent in store and query (NULL) and
// on the wire (omitted in XML, null in JSON).
func (p Prop) Opt() Prop { p.Null, p.OmitZero = true, true; return p }

// RefBy names the kind of a UidType value by item.
func (p Prop) RefBy(f func(item any) Kind) Prop { p.RefOf = f; return p }

// Mut marks the property's column as written by a session update.
func (p Prop) Mut() Prop { p.Mutable = true; return p }

// JSONFirst moves the property to the front of the JSON object.
func (p Prop) JSONFirst() Prop { p.First = true; return p }

// AsAttr writes the property as a root attribute.
func (p Prop) AsAttr() Prop { p.Attr = true; return p }

// Wire names the element of a property whose query name differs, or
// hides it from the wire with "".
func (p Prop) Wire(elem string) Prop { p.Elem = elem; return p }
