package emcdp

import "time"

// Op is a comparison operator of the filter language.
type Op int8

// The six operators.
const (
	OpEq Op = iota // ==
	OpNe           // !=
	OpLt           // <
	OpLe           // <=
	OpGt           // >
	OpGe           // >=
)

var opText = [...]string{"==", "!=", "<", "<=", ">", ">="}

func (o Op) String() string { return opText[o] }

// Expr is a node of a typed filter tree: *And, *Or or *Term. Package query
// builds trees from text and prints them back; stores compile them to SQL.
type Expr interface{ filterExpr() }

// And is satisfied when all its terms are.
type And struct{ Terms []Expr }

// Or is satisfied when any of its terms is.
type Or struct{ Terms []Expr }

// Term compares one field with a typed value.
//
// A row whose value is absent (NULL: a running session's EndTimeUTC, an
// empty Reason) satisfies OpNe and no other operator.
type Term struct {
	Field Field
	Op    Op
	Value Value
}

func (*And) filterExpr()  {}
func (*Or) filterExpr()   {}
func (*Term) filterExpr() {}

// Value is a typed literal. Which member is meaningful follows the field type:
// TypeString: Str (compared case-insensitively); TypeUID: ID; TypeDateTime:
// Time; TypeInt: Int; TypeBool: Bool; TypeEnum: Int (the position);
// TypeDouble: Float (an item's value also holds its hundredths in Int).
type Value struct {
	Str   string
	ID    ID
	Time  time.Time
	Int   int64
	Bool  bool
	Float float64
}

// Query is a parsed request of the query service, or a collection read
// expressed as one.
type Query struct {
	Kind     Kind
	Filter   Expr   // nil: every row
	Sort     *Field // nil: DefaultSort(Kind)
	Desc     bool
	PageSize int // 0: no paging, every row
	Page     int // 1-based; ignored when PageSize is 0
	// NoTotal tells the store that the caller reads in chunks and does not
	// need QueryResult.Total, so no count is made; Total is then only the
	// number of rows returned.
	NoTotal bool
	// Refs tells the store that the caller writes the items as references
	// only, so it may fill only the kind's Desc.RefCols of each item.
	Refs bool
}
