// Package wire writes every representation the server sends, in XML and in
// the two JSON dialects of Enterprise Manager (v12 PascalCase, v13
// camelCase), exactly as the wire contract fixes them: element and attribute
// order, omitted and empty values, links per type and representation, the
// DateTime format, the real server's quirks (the task session entity's
// /replicaTaskSessions/ Href, CdpPolicySession items in query results) and
// its JSON shapes (nulls kept, lists wrapped twice when nested, the full
// QueryResult.Entities key list).
//
// Writers append to a caller's []byte by hand, without reflection, so that a
// single resource is encoded without allocating once the buffer is large
// enough. XML is indented with two spaces per level, like the contract's
// example bodies; JSON is compact.
package wire
