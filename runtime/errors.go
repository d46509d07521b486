package runtime

import (
	"errors"
	"fmt"
)

// Error classes, spelled exactly as SmartSim (and Python) spell them so that messages read
// "EntityExistsError: Model ens_0 already exists in ensemble ens" and SmartSim users recognise them.
const (
	SmartSimError        = "SmartSimError"
	SSUnsupportedError   = "SSUnsupportedError"
	EntityExistsError    = "EntityExistsError"
	UserStrategyError    = "UserStrategyError"
	ParameterWriterError = "ParameterWriterError"
	SSDBIDConflictError  = "SSDBIDConflictError"
	TypeError            = "TypeError"
	ValueError           = "ValueError"
	KeyError             = "KeyError"
	AttributeError       = "AttributeError"
	FileNotFoundError    = "FileNotFoundError"
	FileExistsError      = "FileExistsError"
	NotADirectoryError   = "NotADirectoryError"
)

// Error is a user-facing error of the experiment API. Class is SmartSim's exception class name and Msg
// SmartSim's text; the Starlark layer prints Error() as the error message so scripts and `assert.fails`
// can match on "Class: text".
type Error struct {
	Class string
	Msg   string
}

// Error renders "Class: Msg".
func (e *Error) Error() string { return e.Class + ": " + e.Msg }

// Errorf builds an *Error of the given class.
func Errorf(class, format string, args ...any) *Error {
	return &Error{Class: class, Msg: fmt.Sprintf(format, args...)}
}

// ErrorClass returns the class of the *Error in err's chain, "" when there is none.
func ErrorClass(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ""
}
