# ssrun: build, test, bench. `make test` is what CI runs (through .ci/run).
GO      ?= go
BIN     ?= ./ssrun
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all build test vet unit golden examples bench bench-db bench-smoke bench-ensemble bench-launch bench-ml bench-cluster bench-torch bench-resume bench-generate bench-status lint clean ci onnxruntime torch-backend torch-backend-if-available fuzz fuzz-short bench-persist

# ONNX Runtime for the ONNX backend: the shared library of the npm package onnxruntime-node, loaded at
# run time (dlopen). The 113 MB tarball is cached in ONNXRUNTIME_CACHE; only the library is extracted.
ONNXRUNTIME_VERSION ?= 1.30.0
ONNXRUNTIME_CACHE   ?= $(HOME)/.cache/ssrun
ONNXRUNTIME_LIB     := .onnxruntime/lib/libonnxruntime.so
ONNXRUNTIME_TGZ     := $(ONNXRUNTIME_CACHE)/onnxruntime-node-$(ONNXRUNTIME_VERSION).tgz

# The TORCH backend: a C++ shim over Debian's libtorch (libtorch-dev), dlopen'ed by ssrun at run time.
TORCH_BACKEND := .torch-backend/libssrun_torch.so
TORCH_SHIM    := orchestrator/backends/torch/shim
TORCH_INCLUDE ?= /usr/include/torch/csrc/api/include
CXX           ?= g++

all: build

## build: the ssrun binary. cgo is on for the ONNX backend, which dlopens libonnxruntime at run time:
## the binary links only glibc (no ONNX Runtime at build or start). CGO_ENABLED=0 gives a fully static
## binary whose ONNX backend answers that it was built without cgo.
build:
	CGO_ENABLED=$${CGO_ENABLED:-1} $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## test: vet, unit and integration tests under -race, then the golden suites through the binary.
## The TORCH backend is built first when libtorch is installed, so its tests run (CI installs it).
## Last, each fuzz target runs 20,000 inputs (its seed corpus in testdata/fuzz/ also runs in unit).
test: vet torch-backend-if-available unit golden fuzz-short

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 -timeout 8m ./...

## golden: every suite and example through `ssrun test` (plans compared with their .golden files)
golden: build
	$(BIN) test testdata/ examples/

## bench: long benchmarks, side by side with their baselines (not run in CI)
bench: build bench-launch bench-db bench-ml

bench-launch: build
	bash bench/launch/run.sh

## bench-persist: appendonly SET throughput, BGSAVE of 1 GiB and its load, against redis-server
bench-persist: build
	SSRUN=$(BIN) bash bench/persist/run.sh

bench-db: build
	bash bench/db/run.sh

## bench-ensemble: MEMBERS (default 10000) `true` members against xargs -P2, peak RSS, ssrun status
bench-ensemble: build
	bash bench/ensemble/run.sh

## bench-dashboard: the dashboard's first paint and updates in Chromium and `ssrun status`, at MEMBERS
## (default 1000,10000,100000), against the one-page dashboard built from BASE in the same run
.PHONY: bench-dashboard
bench-dashboard: build
	bash bench/dashboard/run.sh

## bench-smoke: the database benchmark on tiny sizes, once (what `make test` checks through bench/db's test)
bench-smoke:
	$(GO) test -count=1 -run TestSmoke ./bench/db/

## bench-generate: MEMBERS (1000) members with a 1 KiB tagged and a SIZE_MIB (10) MiB copied file, against cp
bench-generate: build
	bash bench/generate/run.sh

## bench-status: `ssrun status` on MEMBERS (100000) members replicated from a real run, beside the baseline build and jq
bench-status: build
	bash bench/status/run.sh

## bench-resume: deciding a resume of 10,000 completed members, beside a dry run of the same ensemble
bench-resume: build
	bash bench/resume/run.sh

## bench-cluster: databases on the three-node Slurm of ci/setup-slurm.sh (start time, batch ensemble)
bench-cluster: build
	bash bench/cluster/run.sh

bench-ml: build onnxruntime
	bash bench/ml/run.sh

## bench-torch: the small CNN through ssrun db (TORCH) vs in-process libtorch vs its ONNX export
bench-torch: torch-backend onnxruntime
	bash bench/torch/run.sh

## onnxruntime: fetch libonnxruntime.so into .onnxruntime/lib (tests and bench find it there)
onnxruntime: $(ONNXRUNTIME_LIB)

$(ONNXRUNTIME_LIB):
	@mkdir -p $(ONNXRUNTIME_CACHE) $(dir $@)
	@[ -s $(ONNXRUNTIME_TGZ) ] || (cd $(ONNXRUNTIME_CACHE) && npm pack --silent onnxruntime-node@$(ONNXRUNTIME_VERSION) >/dev/null)
	tar -xzf $(ONNXRUNTIME_TGZ) -O package/bin/napi-v6/linux/x64/libonnxruntime.so.1 > $@.tmp
	mv $@.tmp $@

## torch-backend: build the TORCH backend's shim (needs libtorch-dev; `ssrun db --torch .torch-backend`)
torch-backend: $(TORCH_BACKEND)

$(TORCH_BACKEND): $(TORCH_SHIM)/ssrun_torch.cpp $(TORCH_SHIM)/ssrun_torch.h
	@[ -f /usr/include/torch/script.h ] || { echo "make torch-backend: libtorch is not installed (apt-get install libtorch-dev, or bash ci/setup-torch.sh)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -O2 -fPIC -shared -o $@.tmp.$$$$ $< -I$(TORCH_INCLUDE) -ltorch -ltorch_cpu -lc10 && mv $@.tmp.$$$$ $@

torch-backend-if-available:
	@if [ -f /usr/include/torch/script.h ]; then $(MAKE) -s torch-backend; else echo "torch-backend: libtorch not installed, TORCH tests will skip"; fi

## lint: gofmt, go vet and staticcheck (its configuration: staticcheck.conf). CI runs it before make test.
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck
lint:
	@unformatted="$$(gofmt -l .)"; [ -z "$$unformatted" ] || { echo "gofmt needed: $$unformatted"; exit 1; }
	$(GO) vet ./...
	@[ -x $(STATICCHECK) ] || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(STATICCHECK) ./...

ci:
	bash .ci/run

clean:
	rm -f $(BIN)

## fuzz: every parser that takes untrusted input, FUZZTIME each (default 1m); fuzz-short is CI's
## 20,000 inputs per target. A crash is written to the package's testdata/fuzz/ and must be fixed and kept.
## fuzz-short counts inputs rather than seconds: Go 1.26's coordinator can fail a target with a bare
## "context deadline exceeded" when a timed -fuzztime ends on a loaded machine (go.dev/issue/75804,
## fixed in 1.27); a count has no deadline, so a slow CI machine only makes it slower.
FUZZTIME ?= 1m
FUZZ_TARGETS := ./resp:FuzzRequestReader ./resp:FuzzBufferedRequestsReadAsTheGeneralPath \
	./resp:FuzzParseRequestInt ./orchestrator/ai:FuzzCommandArguments \
	./tensor:FuzzDecode ./runtime:FuzzConfigureContent ./runtime:FuzzPlanCanonical \
	./orchestrator/persist:FuzzReadSnapshot ./orchestrator/persist:FuzzReadLog \
	./internal/jsonscan:FuzzSkip ./runtime/journal:FuzzRead ./status:FuzzManifestRows

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($${t%%:*}, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$${FUZZTIME_SHORT:-20000x}
