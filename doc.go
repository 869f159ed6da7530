// Package emcdp holds the domain of the emcdp server: the CDP resources that
// Veeam Backup & Replication's Enterprise Manager exposes (backup servers, CDP
// policies, policy sessions and task sessions), their enums with the order the
// query service compares them by, identifiers, errors, the clock, and the Store
// interface that every persistence backend implements.
//
// The package imports nothing of the module. Everything else points at it.
package emcdp
