package runtime

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestErrorKeepsItsCause: an *Error made with %w reads as before ("Class: text, cause's text
// included") and keeps its cause, so errors.Is and errors.As reach both the class and the cause
// through further wrapping.
func TestErrorKeepsItsCause(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	_, statErr := os.Stat(missing)
	err := fmt.Errorf("generating: %w", Errorf(SmartSimError, "Could not read %s: %w", missing, statErr))

	if want := "generating: SmartSimError: Could not read " + missing + ": " + statErr.Error(); err.Error() != want {
		t.Errorf("text %q, want %q", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("errors.Is does not reach the cause (fs.ErrNotExist)")
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != missing {
		t.Errorf("errors.As does not reach the *fs.PathError: %v", pe)
	}
	var e *Error
	if !errors.As(err, &e) || e.Class != SmartSimError || ErrorClass(err) != SmartSimError {
		t.Errorf("errors.As found %v, ErrorClass %v; want a SmartSimError", e, ErrorClass(err))
	}
	if !errors.Is(err, SmartSimError) || errors.Is(err, ValueError) {
		t.Error("errors.Is(err, class) must match the error's class and no other")
	}

	plain := Errorf(ValueError, "bad value %v", 3)
	if plain.Unwrap() != nil || plain.Error() != "ValueError: bad value 3" {
		t.Errorf("an error without %%w: %q, cause %v", plain, plain.Unwrap())
	}
	if ErrorClass(errors.New("x")) != (Class{}) {
		t.Error("ErrorClass of an error of no class must be the zero Class")
	}
}

// TestInterruptIsKeyboardInterrupt: a start interrupted before it launches anything fails with the
// KeyboardInterrupt class, its cause the context's error, and the text users saw before.
func TestInterruptIsKeyboardInterrupt(t *testing.T) {
	exp, _ := newExp(t, "local")
	m, err := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "true")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = exp.Start(ctx, []Entity{m}, StartOptions{Block: true})
	if err == nil || err.Error() != "KeyboardInterrupt: context canceled" {
		t.Fatalf("got %v, want KeyboardInterrupt: context canceled", err)
	}
	if !errors.Is(err, KeyboardInterrupt) || !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is: class %v, cause %v; want both", errors.Is(err, KeyboardInterrupt), errors.Is(err, context.Canceled))
	}
}
