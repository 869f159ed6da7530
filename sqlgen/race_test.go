//go:build race

package sqlgen

const raceEnabled = true
