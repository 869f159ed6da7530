package query

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

const (
	kTask   = emcdp.KindCdpReplicaTaskSession
	kPolSes = emcdp.KindCdpReplicaSession
	kPolicy = emcdp.KindCdpPolicy
	kServer = emcdp.KindBackupServer
)

func field(t testing.TB, k emcdp.Kind, name string) emcdp.Field {
	t.Helper()
	f, ok := emcdp.LookupField(k, name)
	if !ok {
		t.Fatalf("no field %s on %s", name, k)
	}
	return f
}

func term(t testing.TB, k emcdp.Kind, name string, op emcdp.Op, v emcdp.Value) *emcdp.Term {
	return &emcdp.Term{Field: field(t, k, name), Op: op, Value: v}
}

func str(s string) emcdp.Value       { return emcdp.Value{Str: s} }
func num(n int64) emcdp.Value        { return emcdp.Value{Int: n} }
func at(t time.Time) emcdp.Value     { return emcdp.Value{Time: t} }
func and(e ...emcdp.Expr) emcdp.Expr { return &emcdp.And{Terms: e} }
func or(e ...emcdp.Expr) emcdp.Expr  { return &emcdp.Or{Terms: e} }
func uid(s string) emcdp.Value       { id, _ := emcdp.ParseID(s); return emcdp.Value{ID: id} }
func utc(s string) time.Time         { t, _ := time.Parse(time.RFC3339Nano, s); return t.UTC() }
func boolean(b bool) emcdp.Value     { return emcdp.Value{Bool: b} }
func enum(names []string, n string) emcdp.Value {
	i, _ := emcdp.ParseEnum(names, n)
	return emcdp.Value{Int: int64(i)}
}

const guid = "c14d001c-56d7-43ab-8bbb-fed28977f8c2"

func TestParseGrammar(t *testing.T) {
	vm := func(s string) *emcdp.Term { return term(t, kTask, "VmDisplayName", emcdp.OpEq, str(s)) }
	name := func(s string) *emcdp.Term { return term(t, kTask, "Name", emcdp.OpEq, str(s)) }
	completed := term(t, kTask, "State", emcdp.OpEq, enum(emcdp.TaskStateNames, "Completed"))
	tests := []struct {
		k    emcdp.Kind
		in   string
		want emcdp.Expr
	}{
		{kTask, "", nil},
		{kTask, "   ", nil},
		{kTask, "VmDisplayName==sql01", vm("sql01")},
		{kTask, `VmDisplayName=="sql01"`, vm("sql01")},
		{kTask, "vmdisplayname==sql01", vm("sql01")},
		{kTask, "VMDISPLAYNAME==sql01", vm("sql01")},
		// operators
		{kTask, "TotalSize!=5", term(t, kTask, "TotalSize", emcdp.OpNe, num(5))},
		{emcdp.KindBackupFile, "CompressRatio>1", term(t, emcdp.KindBackupFile, "CompressRatio", emcdp.OpGt, emcdp.Value{Float: 1})},
		{emcdp.KindBackupFile, `compressratio<="2.07"`, term(t, emcdp.KindBackupFile, "CompressRatio", emcdp.OpLe, emcdp.Value{Float: 2.07})},
		{emcdp.KindBackupFile, "DeduplicationRatio>=-.5e1", term(t, emcdp.KindBackupFile, "DeduplicationRatio", emcdp.OpGe, emcdp.Value{Float: -5})},
		{emcdp.KindBackupFile, "DeduplicationRatio!=1.", term(t, emcdp.KindBackupFile, "DeduplicationRatio", emcdp.OpNe, emcdp.Value{Float: 1})},
		{kTask, "TotalSize<5", term(t, kTask, "TotalSize", emcdp.OpLt, num(5))},
		{kTask, "TotalSize<=5", term(t, kTask, "TotalSize", emcdp.OpLe, num(5))},
		{kTask, "TotalSize>5", term(t, kTask, "TotalSize", emcdp.OpGt, num(5))},
		{kTask, "TotalSize>=-5", term(t, kTask, "TotalSize", emcdp.OpGe, num(-5))},
		// spaces outside quotes are ignored, inside quotes kept
		{kTask, " VmDisplayName  ==  sql 01 ", vm("sql01")},
		{kTask, `VmDisplayName==" sql 01 "`, vm(" sql 01 ")},
		{kTask, `Vm Display Name==x`, vm("x")},
		// quotes: doubled quote, separators inside quotes, empty string
		{kTask, `VmDisplayName=="say ""hi"""`, vm(`say "hi"`)},
		{kTask, `VmDisplayName=="a;b,c)d(e"`, vm("a;b,c)d(e")},
		{kTask, `VmDisplayName==""`, vm("")},
		{kTask, `VmDisplayName=="x" ;Name==y`, and(vm("x"), name("y"))},
		// unquoted values keep anything but the separators
		{kTask, `VmDisplayName==a=b<c(d`, vm("a=b<c(d")},
		// precedence: ';' binds tighter than ','
		{kTask, "Name==a;Name==b,Name==c", or(and(name("a"), name("b")), name("c"))},
		{kTask, "Name==a,Name==b;Name==c", or(name("a"), and(name("b"), name("c")))},
		{kTask, "(Name==a,Name==b);Name==c", and(or(name("a"), name("b")), name("c"))},
		// flattening and redundant parentheses
		{kTask, "((Name==a))", name("a")},
		{kTask, "(Name==a;Name==b);Name==c", and(name("a"), name("b"), name("c"))},
		{kTask, "Name==a;(Name==b;(Name==c))", and(name("a"), name("b"), name("c"))},
		{kTask, "(Name==a,Name==b),(Name==c)", or(name("a"), name("b"), name("c"))},
		{kTask, "Name==a,(Name==b;Name==c)", or(name("a"), and(name("b"), name("c")))},
		{kTask, "((Name==a,Name==b);Name==c),State==Completed",
			or(and(or(name("a"), name("b")), name("c")), completed)},
		// aliases
		{kTask, "CreationTime>=2026-06-15", term(t, kTask, "CreationTimeUTC", emcdp.OpGe, at(utc("2026-06-15T00:00:00Z")))},
		{kTask, "endtime!=2026-06-15T06:00:00", term(t, kTask, "EndTimeUTC", emcdp.OpNe, at(utc("2026-06-15T06:00:00Z")))},
		{kTask, "UID==" + guid, term(t, kTask, "Id", emcdp.OpEq, uid(guid))},
		{kPolicy, "id==urn:veeam:CdpPolicy:" + guid, term(t, kPolicy, "UID", emcdp.OpEq, uid(guid))},
		// UidType
		{kTask, "Id==urn:veeam:CdpReplicaTaskSession:" + strings.ToUpper(guid), term(t, kTask, "Id", emcdp.OpEq, uid(guid))},
		{kTask, `Id=="URN:VEEAM:cdpreplicatasksession:` + guid + `"`, term(t, kTask, "Id", emcdp.OpEq, uid(guid))},
		{kTask, "PolicySessionUid==urn:veeam:CdpReplicaSession:" + guid, term(t, kTask, "PolicySessionUid", emcdp.OpEq, uid(guid))},
		{kPolicy, "BackupServerUid<urn:veeam:BackupServer:" + guid, term(t, kPolicy, "BackupServerUid", emcdp.OpLt, uid(guid))},
		// Boolean, Int, Enum
		{kPolicy, "ScheduleEnabled==TRUE", term(t, kPolicy, "ScheduleEnabled", emcdp.OpEq, boolean(true))},
		{kPolicy, `ScheduleConfigured!="false"`, term(t, kPolicy, "ScheduleConfigured", emcdp.OpNe, boolean(false))},
		{kServer, "Port==9392", term(t, kServer, "Port", emcdp.OpEq, num(9392))},
		{kServer, "IpOrDnsName==vbr01", term(t, kServer, "IpOrDnsName", emcdp.OpEq, str("vbr01"))},
		{kTask, "state==completed", completed},
		{kTask, "Result>=warning", term(t, kTask, "Result", emcdp.OpGe, enum(emcdp.ResultNames, "Warning"))},
		{kPolSes, "State<Stopped", term(t, kPolSes, "State", emcdp.OpLt, enum(emcdp.SessionStateNames, "Stopped"))},
		{kPolSes, "Result==None", term(t, kPolSes, "Result", emcdp.OpEq, num(0))},
	}
	for _, tc := range tests {
		got, err := Parse(tc.k, tc.in)
		if err != nil {
			t.Errorf("Parse(%s, %q): %v", tc.k, tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%s, %q) = %s, want %s", tc.k, tc.in, Format(got), Format(tc.want))
		}
	}
}

func TestParseDateTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC; "" for an error
	}{
		{"2026-06-15", "2026-06-15T00:00:00Z"},
		{"2026-06-15T06:00", "2026-06-15T06:00:00Z"},
		{"2026-06-15T06:00:00", "2026-06-15T06:00:00Z"},
		{"2026-06-15t06:00:00z", "2026-06-15T06:00:00Z"},
		{"2026-06-15 06:00:00", "2026-06-15T06:00:00Z"},
		{"2026-06-15T06:00:00Z", "2026-06-15T06:00:00Z"},
		{"2026-06-15T06:00:00.5", "2026-06-15T06:00:00.5Z"},
		{"2026-06-15T06:00:00.1234567Z", "2026-06-15T06:00:00.1234567Z"},
		{"2026-06-15T06:00:00+02:00", "2026-06-15T04:00:00Z"},
		{"2026-06-15T06:00:00.25-0130", "2026-06-15T07:30:00.25Z"},
		{"2026-06-15T00:30:00+01:00", "2026-06-14T23:30:00Z"},
		{"0000-01-01T00:00:00", "0000-01-01T00:00:00Z"},
		{"0000-01-01T00:00:00+00:01", ""},
		{"0000-01-01T00:00:00-00:01", "0000-01-01T00:01:00Z"},
		{"9999-12-31T23:59:00-00:01", ""},
		{"2024-02-29", "2024-02-29T00:00:00Z"},
		{"2026-02-29", ""},
		{"2026-13-01", ""},
		{"2026-06-31", ""},
		{"2026-06-15T24:00:00", ""},
		{"2026-06-15T06:60:00", ""},
		{"2026-06-15T06:00:61", ""},
		{"2026-06-15T06:00:00.12345678", ""},
		{"2026-06-15T06:00:00.", ""},
		{"2026-06-15T06:00:00+2", ""},
		{"2026-06-15T06:00:00 02:00", ""},
		{"2026-06-15T6:00:00", ""},
		{"2026-6-15", ""},
		{"26-06-15", ""},
		{"2026-06-15Z", ""},
		{"yesterday", ""},
		{"", ""},
	}
	for _, tc := range tests {
		got, ok := parseDateTime(tc.in)
		if tc.want == "" {
			if ok {
				t.Errorf("parseDateTime(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if !ok || !got.Equal(utc(tc.want)) || got.Location() != time.UTC {
			t.Errorf("parseDateTime(%q) = %v, %v; want %s", tc.in, got, ok, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		k   emcdp.Kind
		in  string
		msg string // the message after "Query filter is invalid: "
	}{
		{kTask, "Colour==red", "unknown field 'Colour' for type CdpReplicaTaskSession at position 1"},
		{kTask, "Name==a;Colour==red", "unknown field 'Colour' for type CdpReplicaTaskSession at position 9"},
		{kServer, "VmDisplayName==x", "unknown field 'VmDisplayName' for type BackupServer at position 1"},
		{kTask, "State==Working", "unknown value 'Working' for field 'State' (expected one of InProgress, Pending, Completed) at position 8"},
		{kTask, "Result>=Bad", "unknown value 'Bad' for field 'Result' (expected one of None, Success, Warning, Failed) at position 9"},
		{kTask, "TotalSize<abc", "value of the wrong type for field 'TotalSize' (expected an integer): 'abc' at position 11"},
		{kTask, "TotalSize<1.5", "value of the wrong type for field 'TotalSize' (expected an integer): '1.5' at position 11"},
		{emcdp.KindBackupFile, "CompressRatio>abc", "value of the wrong type for field 'CompressRatio' (expected a number such as 1.5): 'abc' at position 15"},
		{emcdp.KindBackupFile, "CompressRatio>+1", "value of the wrong type for field 'CompressRatio' (expected a number such as 1.5): '+1' at position 15"},
		{emcdp.KindBackupFile, "DeduplicationRatio<NaN", "value of the wrong type for field 'DeduplicationRatio' (expected a number such as 1.5): 'NaN' at position 20"},
		{emcdp.KindBackupFile, "CompressRatio==Inf", "value of the wrong type for field 'CompressRatio' (expected a number such as 1.5): 'Inf' at position 16"},
		{emcdp.KindBackupFile, "CompressRatio==0x1p1", "value of the wrong type for field 'CompressRatio' (expected a number such as 1.5): '0x1p1' at position 16"},
		{emcdp.KindBackupFile, "CompressRatio==1e", "value of the wrong type for field 'CompressRatio' (expected a number such as 1.5): '1e' at position 16"},
		{emcdp.KindBackupFile, "CompressRatio==.", "value of the wrong type for field 'CompressRatio' (expected a number such as 1.5): '.' at position 16"},
		{emcdp.KindBackupFile, "CompressRatio==1e999", "value of the wrong type for field 'CompressRatio' (expected a number such as 1.5): '1e999' at position 16"},
		{kTask, "TotalSize<99999999999999999999", "value of the wrong type for field 'TotalSize' (expected an integer): '99999999999999999999' at position 11"},
		{kTask, "EndTimeUTC>tomorrow", "value of the wrong type for field 'EndTimeUTC' (expected DateTime such as 2026-06-15 or 2026-06-15T06:00:00Z): 'tomorrow' at position 12"},
		{kPolicy, "ScheduleEnabled==yes", "value of the wrong type for field 'ScheduleEnabled' (expected true or false): 'yes' at position 18"},
		{kTask, "PolicySessionUid==urn:veeam:CdpPolicy:" + guid,
			"value of the wrong type for field 'PolicySessionUid' (expected urn:veeam:CdpReplicaSession:<guid>): 'urn:veeam:CdpPolicy:" + guid + "' at position 19"},
		{kTask, "Id==urn:veeam:CdpReplicaSession:" + guid,
			"value of the wrong type for field 'Id' (expected urn:veeam:CdpReplicaTaskSession:<guid>): 'urn:veeam:CdpReplicaSession:" + guid + "' at position 5"},
		{kTask, "PolicySessionUid==" + guid,
			"value of the wrong type for field 'PolicySessionUid' (expected urn:veeam:CdpReplicaSession:<guid>): '" + guid + "' at position 19"},
		{kTask, "Id==42", "value of the wrong type for field 'Id' (expected urn:veeam:CdpReplicaTaskSession:<guid>): '42' at position 5"},
		{kTask, "(Name==a", "unbalanced parenthesis '(' at position 1"},
		{kTask, "Name==a;(Name==b,(Name==c)", "unbalanced parenthesis '(' at position 9"},
		{kTask, "Name==a)", "unbalanced parenthesis ')' at position 8"},
		{kTask, ")", "unbalanced parenthesis ')' at position 1"},
		{kTask, "(", "unbalanced parenthesis '(' at position 1"},
		{kTask, "Name==a;", "dangling operator ';' at position 8"},
		{kTask, "Name==a ,  ", "dangling operator ',' at position 9"},
		{kTask, ";Name==a", "dangling operator ';' at position 1"},
		{kTask, "(,Name==a)", "dangling operator ',' at position 2"},
		{kTask, "(Name==a;)", "dangling operator ';' at position 9"},
		{kTask, "Name==a;;Name==b", "empty term before ';' at position 9"},
		{kTask, "Name==a,;Name==b", "empty term before ';' at position 9"},
		{kTask, "()", "empty term '()' at position 1"},
		{kTask, "Name==a;()", "empty term '()' at position 9"},
		{kTask, "Name", "missing operator after field 'Name' at position 5"},
		{kTask, "Name;Name==a", "missing operator after field 'Name' at position 5"},
		{kTask, "Name=x", "invalid operator '=' (use ==, !=, <, <=, > or >=) at position 5"},
		{kTask, "Name!x", "invalid operator '!' (use ==, !=, <, <=, > or >=) at position 5"},
		{kTask, "==x", "missing field name before '==' at position 1"},
		{kTask, "Name==", "missing value after '==' at position 7"},
		{kTask, "Name==;State==Completed", "missing value after '==' at position 7"},
		{kTask, "Name== )", "missing value after '==' at position 8"},
		{kTask, `Name=="abc`, "unterminated quote at position 7"},
		{kTask, `Name=="abc""`, "unterminated quote at position 7"},
		{kTask, `Name=="a"b`, `unexpected 'b' after a quoted value (missing ';' or ',') at position 10`},
		{kTask, `Name==ab"c"`, "unexpected quote inside an unquoted value (quote the whole value) at position 9"},
		{kTask, `"Name"==a`, "quoted value where a field name is expected at position 1"},
		{kTask, "Name==a;#", "unexpected character '#' at position 9"},
		{kTask, "(Name==a)(Name==b)", "missing ';' or ',' between terms at position 10"},
		{kTask, "(Name==a)Name==b", "missing ';' or ',' between terms at position 10"},
		{kPolicy, "ScheduleEnabled<true", "operator '<' not allowed for Boolean field 'ScheduleEnabled' (use == or !=) at position 16"},
		{kPolicy, "ScheduleConfigured>=false", "operator '>=' not allowed for Boolean field 'ScheduleConfigured' (use == or !=) at position 19"},
		// positions count characters, not bytes
		{kTask, `Name=="é";Colour==1`, "unknown field 'Colour' for type CdpReplicaTaskSession at position 11"},
		{kTask, strings.Repeat("(", 101) + "Name==a" + strings.Repeat(")", 101), "parentheses nested deeper than 100 at position 101"},
	}
	for _, tc := range tests {
		e, err := Parse(tc.k, tc.in)
		if err == nil {
			t.Errorf("Parse(%s, %q) = %s, want error %q", tc.k, tc.in, Format(e), tc.msg)
			continue
		}
		var ee *emcdp.Error
		if !errors.As(err, &ee) || ee.Code != emcdp.EInvalid {
			t.Errorf("Parse(%s, %q) error %#v is not an EInvalid *emcdp.Error", tc.k, tc.in, err)
			continue
		}
		if want := "Query filter is invalid: " + tc.msg; ee.Message != want {
			t.Errorf("Parse(%s, %q)\n got: %s\nwant: %s", tc.k, tc.in, ee.Message, want)
		}
	}
}

// TestErrorTextIsClipped checks that client text in messages is made safe
// and short.
func TestErrorTextIsClipped(t *testing.T) {
	_, err := Parse(kTask, "TotalSize==\x01\uFFFD"+strings.Repeat("x", 200))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.ContainsRune(msg, 1) || !strings.Contains(msg, "?\uFFFD") || !strings.Contains(msg, "…") || len(msg) > 250 {
		t.Errorf("message not clipped: %q", msg)
	}
}

func TestFormat(t *testing.T) {
	name := func(s string) *emcdp.Term { return term(t, kTask, "Name", emcdp.OpEq, str(s)) }
	ts := time.Date(2026, 6, 15, 6, 0, 0, 123456700, time.UTC)
	tests := []struct {
		e    emcdp.Expr
		want string
	}{
		{nil, ""},
		{name(`say "hi"`), `Name=="say ""hi"""`},
		{name(""), `Name==""`},
		{term(t, kTask, "CreationTimeUTC", emcdp.OpGe, at(ts)), "CreationTimeUTC>=2026-06-15T06:00:00.1234567Z"},
		{term(t, kTask, "EndTime", emcdp.OpLt, at(ts.Truncate(time.Second))), "EndTimeUTC<2026-06-15T06:00:00Z"},
		{term(t, kTask, "Id", emcdp.OpNe, uid(guid)), "Id!=urn:veeam:CdpReplicaTaskSession:" + guid},
		{term(t, kPolicy, "UID", emcdp.OpEq, uid(guid)), "UID==urn:veeam:CdpPolicy:" + guid},
		{term(t, kTask, "Result", emcdp.OpGt, num(2)), "Result>Warning"},
		{term(t, kPolicy, "ScheduleEnabled", emcdp.OpEq, boolean(true)), "ScheduleEnabled==true"},
		{term(t, kTask, "TotalSize", emcdp.OpLe, num(-7)), "TotalSize<=-7"},
		{or(and(name("a"), name("b")), name("c")), `Name=="a";Name=="b",Name=="c"`},
		{and(or(name("a"), name("b")), name("c")), `(Name=="a",Name=="b");Name=="c"`},
		{and(name("a"), or(name("b"), and(name("c"), name("d")))), `Name=="a";(Name=="b",Name=="c";Name=="d")`},
		// non-canonical trees keep their meaning
		{or(or(name("a"), name("b")), name("c")), `(Name=="a",Name=="b"),Name=="c"`},
		{and(and(name("a"), name("b")), name("c")), `(Name=="a";Name=="b");Name=="c"`},
	}
	for _, tc := range tests {
		if got := Format(tc.e); got != tc.want {
			t.Errorf("Format = %s, want %s", got, tc.want)
		}
	}
}

// TestMaxTerms checks the limit on the size of a filter at its boundary, in
// one filter and summed over several filter parameters.
func TestMaxTerms(t *testing.T) {
	terms := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("Name==vm%d", i)
		}
		return strings.Join(parts, ",")
	}
	e, err := Parse(kTask, terms(MaxTerms))
	if err != nil || CountTerms(e) != MaxTerms {
		t.Fatalf("Parse of %d terms: %d terms, %v", MaxTerms, CountTerms(e), err)
	}
	for _, n := range []int{MaxTerms + 1, 5 * MaxTerms} {
		if _, err := Parse(kTask, terms(n)); emcdp.ErrorCode(err) != emcdp.EInvalid ||
			!strings.Contains(err.Error(), fmt.Sprintf("more than %d terms", MaxTerms)) {
			t.Errorf("Parse of %d terms: %v, want EInvalid naming the limit", n, err)
		}
	}
	half := url.QueryEscape(terms(MaxTerms / 2))
	if _, err := ParseRequest("type=CdpReplicaTaskSession&filter="+half+"&filter="+half, 0); err != nil {
		t.Errorf("two filters of %d terms each: %v", MaxTerms/2, err)
	}
	_, err = ParseRequest("type=CdpReplicaTaskSession&filter="+half+"&filter="+half+"&filter=Name==x", 0)
	if emcdp.ErrorCode(err) != emcdp.EInvalid || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("filters of %d terms in all: %v, want EInvalid", MaxTerms+1, err)
	}
}

// TestBytesRefused checks that a NUL or a byte that is not UTF-8 in a filter
// is a syntax error, while the replacement character itself is a value.
func TestBytesRefused(t *testing.T) {
	for _, in := range []string{"Name==a\x00b", "Name==\xff", "Name==\"\xc3\"", "\x00"} {
		if _, err := Parse(kTask, in); emcdp.ErrorCode(err) != emcdp.EInvalid {
			t.Errorf("Parse(%q): %v, want EInvalid", in, err)
		}
	}
	if _, err := Parse(kTask, "Name==\uFFFD"); err != nil {
		t.Errorf("Parse of U+FFFD: %v", err)
	}
}
