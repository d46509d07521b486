package runtime

import (
	"path/filepath"
	"sync"

	"github.com/fsnotify/fsnotify"
)

// fileWake turns changes of watched files into wake-ups, for every batch job of an experiment through
// one fsnotify watcher: inotify instances are a small per-user budget (128 by default), and an
// experiment may submit hundreds of batch jobs. It watches each file's directory (the recommended way:
// a file replaced by rename keeps being seen) and wakes only that file's subscriber. The watcher exists
// while anything is subscribed. Without notifications (no inotify, or a shared file system whose
// writes happen on another host) subscribers are simply never woken and rely on their own tick.
type fileWake struct {
	mu   sync.Mutex
	w    *fsnotify.Watcher
	subs map[string]chan struct{} // cleaned file path → its subscriber's wake channel
	dirs map[string]int           // watched directory → number of subscribed files in it
}

// subscribe returns a channel that receives (coalesced) when path changes, and the function that ends
// the subscription.
func (n *fileWake) subscribe(path string) (<-chan struct{}, func()) {
	path = filepath.Clean(path)
	dir := filepath.Dir(path)
	wake := make(chan struct{}, 1)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.w == nil {
		w, err := fsnotify.NewWatcher()
		if err != nil {
			return wake, func() {}
		}
		n.w, n.subs, n.dirs = w, map[string]chan struct{}{}, map[string]int{}
		go n.dispatch(w)
	}
	if n.dirs[dir] == 0 && n.w.Add(dir) != nil {
		if len(n.subs) == 0 {
			_ = n.w.Close()
			n.w = nil
		}
		return wake, func() {}
	}
	n.dirs[dir]++
	n.subs[path] = wake
	w := n.w
	return wake, func() { n.unsubscribe(w, path, dir) }
}

func (n *fileWake) unsubscribe(w *fsnotify.Watcher, path, dir string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.w != w || n.subs[path] == nil {
		return
	}
	delete(n.subs, path)
	if n.dirs[dir]--; n.dirs[dir] == 0 {
		delete(n.dirs, dir)
		_ = w.Remove(dir)
	}
	if len(n.subs) == 0 {
		_ = w.Close() // ends dispatch
		n.w = nil
	}
}

// dispatch forwards w's events to the subscribers of the files they name until w is closed.
func (n *fileWake) dispatch(w *fsnotify.Watcher) {
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			n.mu.Lock()
			wake := n.subs[filepath.Clean(ev.Name)]
			n.mu.Unlock()
			if wake != nil {
				select {
				case wake <- struct{}{}:
				default: // a wake-up is already pending
				}
			}
		case _, ok := <-w.Errors:
			if !ok {
				return
			}
		}
	}
}
