package auth

import (
	"fmt"
	"unicode/utf8"

	"github.com/emcdp/emcdp"
)

// Limits on credentials. A user name or password outside them is refused
// before any store is read or written and before any hash is computed, so
// hostile input costs neither storage nor CPU.
const (
	// MaxUserNameBytes is the longest user name accepted, as typed
	// (domain included).
	MaxUserNameBytes = 256
	// MinPasswordChars is the shortest password a new user may be given.
	MinPasswordChars = 8
	// MaxPasswordBytes is the longest password: bcrypt reads no further, so
	// a longer one would be accepted with any suffix.
	MaxPasswordBytes = 72
	// MaxFailureRecords bounds the failed-logon records kept; past it the
	// oldest are removed by Sweep.
	MaxFailureRecords = 100000
)

// CheckUserName validates the name of a new user.
func CheckUserName(name string) error {
	switch {
	case len(name) > MaxUserNameBytes:
		return emcdp.Errorf(emcdp.EInvalid, "the user name is longer than %d bytes", MaxUserNameBytes)
	case !printable(name):
		return emcdp.Errorf(emcdp.EInvalid, "the user name holds a control character or bytes that are not UTF-8")
	case emcdp.UserKey(name) == "":
		return emcdp.Errorf(emcdp.EInvalid, "the user name is empty once its domain is removed")
	}
	return nil
}

// CheckPassword validates the password of a new user.
func CheckPassword(pw string) error {
	switch {
	case pw == "":
		return emcdp.Errorf(emcdp.EInvalid, "the password is empty")
	case len(pw) > MaxPasswordBytes:
		return emcdp.Errorf(emcdp.EInvalid, "the password is longer than %d bytes (the bcrypt limit)", MaxPasswordBytes)
	case !utf8.ValidString(pw) || containsNUL(pw):
		return emcdp.Errorf(emcdp.EInvalid, "the password holds a NUL or bytes that are not UTF-8")
	case utf8.RuneCountInString(pw) < MinPasswordChars:
		return emcdp.Errorf(emcdp.EInvalid, "the password is shorter than %d characters", MinPasswordChars)
	}
	return nil
}

// wellFormed reports whether credentials presented by a client could belong
// to a user at all: the limits of CheckUserName and CheckPassword except the
// minimum length, which older users may predate. Anything else is refused
// as a wrong password would be, but without a lookup, a record or a hash.
func wellFormed(user, pw string) error {
	switch {
	case len(user) > MaxUserNameBytes:
		return fmt.Errorf("user name longer than %d bytes", MaxUserNameBytes)
	case !printable(user):
		return fmt.Errorf("user name with a control character or bytes that are not UTF-8")
	case len(pw) > MaxPasswordBytes:
		return fmt.Errorf("password longer than %d bytes", MaxPasswordBytes)
	case !utf8.ValidString(pw) || containsNUL(pw):
		return fmt.Errorf("password with a NUL or bytes that are not UTF-8")
	}
	return nil
}

// printable reports whether s is UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}
