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

// The columns shared by every store's schema. Times are int64 nanoseconds
// since the Unix epoch (UTC); enums are their positions; optional strings are
// NULL when empty; ids are stored so that their order is the order of the
// lower-case string form.
var (
	fID        = Field{Name: "Id", Type: TypeUID, Column: "id"}
	fName      = Field{Name: "Name", Type: TypeString, Column: "name"}
	fDesc      = Field{Name: "Description", Type: TypeString, Column: "description"}
	fSrvUID    = Field{Name: "BackupServerUid", Type: TypeUID, Ref: KindBackupServer, Column: "backup_server_id"}
	fSrvName   = Field{Name: "BackupServerName", Type: TypeString, Column: "backup_server_name"}
	fCreated   = Field{Name: "CreationTimeUTC", Type: TypeDateTime, Column: "creation_time"}
	fEnded     = Field{Name: "EndTimeUTC", Type: TypeDateTime, Column: "end_time"}
	fResult    = Field{Name: "Result", Type: TypeEnum, Enum: ResultNames, Column: "result"}
	fieldsByKd = map[Kind][]Field{
		KindBackupServer: {
			withRef(Field{Name: "UID", Type: TypeUID, Column: "id"}, KindBackupServer),
			fName, fDesc,
			{Name: "IpOrDnsName", Type: TypeString, Column: "name"},
			{Name: "Port", Type: TypeInt, Column: "port"},
			{Name: "Version", Type: TypeString, Column: "version"},
		},
		KindCdpPolicy: {
			withRef(Field{Name: "UID", Type: TypeUID, Column: "id"}, KindCdpPolicy),
			fName, fDesc,
			{Name: "NextRun", Type: TypeDateTime, Column: "next_run"},
			{Name: "ScheduleConfigured", Type: TypeBool, Column: "schedule_configured"},
			{Name: "ScheduleEnabled", Type: TypeBool, Column: "schedule_enabled"},
			fSrvUID, fSrvName,
		},
		KindCdpReplicaSession: {
			withRef(fID, KindCdpReplicaSession),
			fName,
			{Name: "PolicyUid", Type: TypeUID, Ref: KindCdpPolicy, Column: "policy_id"},
			{Name: "PolicyName", Type: TypeString, Column: "policy_name"},
			fSrvUID, fSrvName, fCreated, fEnded,
			{Name: "State", Type: TypeEnum, Enum: SessionStateNames, Column: "state"},
			fResult,
			{Name: "FailureMessage", Type: TypeString, Column: "failure_message"},
		},
		KindCdpReplicaTaskSession: {
			withRef(fID, KindCdpReplicaTaskSession),
			fName,
			{Name: "PolicySessionUid", Type: TypeUID, Ref: KindCdpReplicaSession, Column: "policy_session_id"},
			{Name: "PolicySessionName", Type: TypeString, Column: "policy_session_name"},
			fSrvUID, fSrvName, fCreated, fEnded,
			{Name: "State", Type: TypeEnum, Enum: TaskStateNames, Column: "state"},
			fResult,
			{Name: "Reason", Type: TypeString, Column: "reason"},
			{Name: "TotalSize", Type: TypeInt, Column: "total_size"},
			{Name: "VmDisplayName", Type: TypeString, Column: "vm_display_name"},
		},
	}
)

func withRef(f Field, k Kind) Field { f.Ref = k; return f }

// descFields are the catalogues of the described kinds, from their Props.
var descFields = func() map[Kind][]Field {
	m := map[Kind][]Field{}
	for _, d := range Descs {
		for _, p := range d.Props {
			if p.Name != "" {
				m[d.Kind] = append(m[d.Kind], p.Field)
			}
		}
	}
	return m
}()

// Fields returns the catalogue of a kind, in documented order.
func Fields(k Kind) []Field {
	if fs, ok := descFields[k]; ok {
		return fs
	}
	return fieldsByKd[k]
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
	if d := DescOf(k); d != nil {
		if d.Session || d.Newest {
			return d.Column("creation_time").Field
		}
		return d.Props[1].Field
	}
	if k == KindCdpReplicaSession || k == KindCdpReplicaTaskSession {
		return fCreated
	}
	return fName
}
