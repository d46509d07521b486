package runtime

import (
	"errors"
	"fmt"
)

// Class is a SmartSim error class. The set is closed: the values below are the only ones (a Class
// cannot be made outside this package), each spelled exactly as SmartSim (and Python) spell it so
// that messages read "EntityExistsError: Model ens_0 already exists in ensemble ens" and SmartSim
// users recognise them. A Class is also an error, so that errors.Is(err, EntityExistsError) asks
// whether err is an *Error of that class.
type Class struct{ name string }

// The error classes.
var (
	SmartSimError        = Class{"SmartSimError"}
	SSUnsupportedError   = Class{"SSUnsupportedError"}
	SSConfigError        = Class{"SSConfigError"}
	EntityExistsError    = Class{"EntityExistsError"}
	UserStrategyError    = Class{"UserStrategyError"}
	ParameterWriterError = Class{"ParameterWriterError"}
	SSDBIDConflictError  = Class{"SSDBIDConflictError"}
	TypeError            = Class{"TypeError"}
	ValueError           = Class{"ValueError"}
	KeyError             = Class{"KeyError"}
	AttributeError       = Class{"AttributeError"}
	FileNotFoundError    = Class{"FileNotFoundError"}
	FileExistsError      = Class{"FileExistsError"}
	NotADirectoryError   = Class{"NotADirectoryError"}
	// KeyboardInterrupt ends a blocking call on SIGINT or SIGTERM, as Python's does.
	KeyboardInterrupt = Class{"KeyboardInterrupt"}
)

// String is the class name.
func (c Class) String() string { return c.name }

// Error is the class name: a Class is the target of errors.Is (see Error.Is).
func (c Class) Error() string { return c.name }

// Error is a user-facing error of the experiment API. Class is SmartSim's exception class and Msg
// SmartSim's text; the Starlark layer prints Error() as the error message so scripts and `assert.fails`
// can match on "Class: text". Err is the cause when the text was made from one (Errorf's %w): it is
// kept for errors.Is and errors.As, as starlark-go's EvalError keeps its cause, and its text is
// already part of Msg.
type Error struct {
	Class Class
	Msg   string
	Err   error
}

// Error renders "Class: Msg".
func (e *Error) Error() string { return e.Class.name + ": " + e.Msg }

// Unwrap returns the cause, nil when there is none.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's class: errors.Is(err, runtime.KeyboardInterrupt).
func (e *Error) Is(target error) bool {
	c, ok := target.(Class)
	return ok && c == e.Class
}

// Errorf builds an *Error of the given class, its message formatted as fmt.Errorf formats it; the
// errors its %w verbs wrap are its cause.
func Errorf(class Class, format string, args ...any) *Error {
	wrapped := fmt.Errorf(format, args...)
	e := &Error{Class: class, Msg: wrapped.Error()}
	switch wrapped.(type) {
	case interface{ Unwrap() error }, interface{ Unwrap() []error }:
		e.Err = wrapped
	}
	return e
}

// ErrorClass returns the class of the *Error in err's chain, the zero Class (named "") when there is
// none.
func ErrorClass(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return Class{}
}
