package client

import (
	"fmt"
	"strings"
	"sync"
)

// prefixes holds the ensemble key-prefixing state SmartRedis keeps per client: the put prefix (SSKEYOUT),
// the get prefixes (SSKEYIN) with the current data source, and which kinds of object are prefixed.
// Tensors, datasets and lists are prefixed by default; models and scripts are not.
type prefixes struct {
	mu          sync.RWMutex
	put         string
	in          []string
	source      string
	tensors     bool
	datasets    bool
	lists       bool
	modelsAlike bool // models and scripts share one switch, as in SmartRedis
}

func newPrefixes(keyOut string, keyIn []string) *prefixes {
	p := &prefixes{put: keyOut, in: keyIn, tensors: true, datasets: true, lists: true}
	if len(keyIn) > 0 {
		p.source = keyIn[0]
	}
	return p
}

// objectKind names the kinds of key the prefix switches apply to.
type objectKind int

const (
	kindTensor objectKind = iota
	kindDataset
	kindList
	kindModel // models and scripts
)

// enabled reports whether keys of kind get prefixed.
func (p *prefixes) enabled(kind objectKind) bool {
	switch kind {
	case kindTensor:
		return p.tensors
	case kindDataset:
		return p.datasets
	case kindList:
		return p.lists
	default:
		return p.modelsAlike
	}
}

// putPrefix is what this client puts before names of kind it writes: "<SSKEYOUT>." or "".
func (p *prefixes) putPrefix(kind objectKind) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.put != "" && p.enabled(kind) {
		return p.put + "."
	}
	return ""
}

// getPrefix is what this client puts before names of kind it reads: "<data source>." or "".
func (p *prefixes) getPrefix(kind objectKind) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.source != "" && p.enabled(kind) {
		return p.source + "."
	}
	return ""
}

// putKey is the key this client writes name under: "<SSKEYOUT>.name" when prefixing applies.
func (p *prefixes) putKey(kind objectKind, name string) string { return p.putPrefix(kind) + name }

// getKey is the key this client reads name from: "<source>.name" when prefixing applies.
func (p *prefixes) getKey(kind objectKind, name string) string { return p.getPrefix(kind) + name }

// datasetKey is SmartRedis's dataset key: the name inside braces, so that every key of the dataset
// shares one hash slot, with the prefix outside them: "p0.{name}".
func datasetKey(prefix, name string) string { return prefix + "{" + name + "}" }

func (p *prefixes) setSource(src string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.in {
		if s == src {
			p.source = src
			return nil
		}
	}
	if len(p.in) == 0 {
		return fmt.Errorf("client: data source %q is not in SSKEYIN, which is empty", src)
	}
	return fmt.Errorf("client: data source %q is not in SSKEYIN (%s)", src, strings.Join(p.in, ","))
}

func (p *prefixes) set(kind objectKind, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch kind {
	case kindTensor:
		p.tensors = on
	case kindDataset:
		p.datasets = on
	case kindList:
		p.lists = on
	default:
		p.modelsAlike = on
	}
}
