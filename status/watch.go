package status

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/fsnotify/fsnotify"
)

// watchInterrupted runs Watch until SIGINT or SIGTERM; an interrupt is the normal way to end it.
func watchInterrupted(manifest string, show func() error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Watch(ctx, manifest, show)
}

// Watch calls show now and again after every change to the manifest, until ctx is done (then it
// returns nil). It watches the telemetry directory, not the file: the runtime replaces the manifest by
// renaming a temporary file over it, which a watch on the old file's inode would never see.
func Watch(ctx context.Context, manifest string, show func() error) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Add(filepath.Dir(manifest)); err != nil {
		if showErr := show(); showErr != nil { // a missing manifest says which path was expected
			return showErr
		}
		return fmt.Errorf("watching %s: %w", filepath.Dir(manifest), err)
	}
	if err := show(); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-w.Errors:
			return fmt.Errorf("watching %s: %w", filepath.Dir(manifest), err)
		case ev := <-w.Events:
			if !isManifestUpdate(ev, manifest) {
				continue
			}
			if err := show(); err != nil {
				return err
			}
		}
	}
}

// isManifestUpdate reports whether ev left new manifest content in place: a rename onto it (Create)
// or an in-place write. Removal is ignored; the next create will show the new content.
func isManifestUpdate(ev fsnotify.Event, manifest string) bool {
	return filepath.Clean(ev.Name) == filepath.Clean(manifest) && ev.Op&(fsnotify.Create|fsnotify.Write) != 0
}
