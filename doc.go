// Package emcdp holds the domain of the emcdp server: the resources that
// Veeam Backup & Replication's Enterprise Manager exposes — the CDP world
// (backup servers, CDP policies, policy sessions and task sessions) and the
// regular VBR world that monitoring clients read (jobs, backup and replica
// job sessions, their task sessions, repositories) — their enums with the
// order the query service compares them by, identifiers, errors, the clock,
// and the Store interface that every persistence backend implements.
//
// Every kind is described once by a Desc (desc.go; cdpkinds.go,
// vbrkinds.go, backupkinds.go, agentkinds.go): names, properties with their
// query names, columns and wire elements, links, collection paths, includes
// and indexes. The query catalogue, both stores' schemas and statements, the
// wire encoders, the routes and the store suite are generic code over the
// descriptions, so that a property or a kind is added in its description
// (docs/kinds.md).
//
// The package imports nothing of the module. Everything else points at it.
package emcdp
