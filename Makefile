# ssrun: build, test, bench. `make test` is what CI runs (through .ci/run).
GO      ?= go
BIN     ?= ./ssrun
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all build test vet unit examples bench bench-db bench-launch lint clean ci

all: build

## build: the single static ssrun binary
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## test: vet, unit and integration tests under -race, then the examples end to end
test: vet unit

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 -timeout 8m ./...

## bench: long benchmarks, side by side with their baselines (not run in CI)
bench: build bench-launch bench-db

bench-launch: build
	bash bench/launch/run.sh

bench-db: build
	bash bench/db/run.sh

lint:
	gofmt -l . | tee /dev/stderr | (! read)
	$(GO) vet ./...

ci:
	bash .ci/run

clean:
	rm -f $(BIN)
