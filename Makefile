# rt — build, install, demo and test.
PREFIX  ?= /usr/local
DESTDIR ?=
GO      ?= go
VERSION ?= 0.1.0
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# rt is linked statically (glibc's and libseccomp's archives), as runc's
# release binaries are: no dynamic loader, relocations or shared libraries
# to map in rt and in the stage it re-executes for every container. That
# is about 0.3 ms of every command and 1 MB of the peak RSS of `create`.
# netgo and osusergo keep the net and os/user packages (godbus, the
# rootless user lookups) off glibc's NSS, which a static binary cannot load.
STATIC_TAGS := osusergo netgo
STATIC_LDFLAGS := -linkmode external -extldflags '-static'
# encoding/json on the json/v2 engine (Go >= 1.25): every rt command decodes
# its JSON once, in a fresh process, and there v2 builds its per-type
# decoders in about half the time (config.json: 0.3 ms against 0.6 ms).
# Same behaviour; a plain `go build` also works, only slower.
export GOEXPERIMENT ?= jsonv2
# The C stage's strict flags (-Wall -Wextra -Werror) live in nsenter's #cgo
# CFLAGS: exporting them here would also apply to Go's own runtime/cgo.

APT_PKGS_TEST := bats busybox-static libseccomp-dev uidmap iproute2 jq runc crun hyperfine criu
SOURCES := $(shell find cmd libct specerr internal -name '*.go' -o -name '*.c' -o -name '*.h' 2>/dev/null)

.PHONY: all rt install man demo test unit bats validation clients vm systemd bench deps-build deps-test clean fmt vet

all: rt

rt: $(SOURCES) go.mod go.sum
	CGO_ENABLED=1 $(GO) build -trimpath -tags '$(STATIC_TAGS)' -ldflags "$(LDFLAGS) $(STATIC_LDFLAGS)" -o rt ./cmd/rt

install: rt man
	install -D -m 0755 rt $(DESTDIR)$(PREFIX)/bin/rt
	install -d $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 $(MANOUT)/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	./rt completion bash >$(DESTDIR)$(PREFIX)/share/bash-completion/completions/rt
	./rt completion zsh >$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_rt
	./rt completion fish >$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/rt.fish

# Man pages (section 8) for rt and every command, from the cobra commands
# (cobra/doc), into MANOUT (make man MANOUT=DIR). A build of rt with the tag
# "man" writes them; the rt binary itself leaves cobra/doc out.
MANOUT ?= man
man: deps-build
	CGO_ENABLED=1 $(GO) build -trimpath -tags man -ldflags '$(LDFLAGS)' -o rt-man ./cmd/rt
	./rt-man man $(MANOUT); rc=$$?; rm -f rt-man; exit $$rc

# Installs a Debian package only when its command or files are missing.
deps-build:
	@missing=""; command -v gcc >/dev/null || missing="gcc"; command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	dpkg -s libseccomp-dev >/dev/null 2>&1 || missing="$$missing libseccomp-dev"; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

deps-test: deps-build
	@missing=""; for p in $(APT_PKGS_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

demo: deps-build rt
	@dpkg -s busybox-static >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static; }
	@rm -rf /tmp/rt-demo && tests/mkbundle.sh /tmp/rt-demo
	@cd /tmp/rt-demo && $(CURDIR)/rt spec && \
	  sed -i 's/"sh"/"sh", "-c", "echo Hello from a container run by rt; echo pid=$$$$ host=$$(hostname); id"/' config.json && \
	  sed -i 's/"terminal": true/"terminal": false/' config.json
	$(CURDIR)/rt run --bundle /tmp/rt-demo rt-demo-$$$$
	@rm -rf /tmp/rt-demo

# A short run of each fuzz target (seed corpora in */testdata/fuzz). The
# limits are counts, not durations: Go 1.26's fuzz coordinator can fail a
# duration limit with "context deadline exceeded" (go.dev/issue/75804).
# A failing input is kept in testdata/fuzz/TARGET and replayed by go test.
# Together they take about 20 s; FUZZ_SCALE=10 runs ten times as many.
FUZZ_SCALE ?= 1
FUZZ_TARGETS := internal/specconv:FuzzLoad:4000 internal/specconv:FuzzBuild:4000 internal/specconv:FuzzBuildExec:8000 internal/specconv:FuzzBuildField:8000 \
	internal/nsenter:FuzzPlanCodec:100000 internal/nsenter:FuzzMsgCodec:200000 \
	internal/criurpc:FuzzUnmarshalResp:100000 libct:FuzzValidID:50000

unit: deps-test
	$(GO) vet ./...
	$(GO) vet -tags man ./cmd/rt
	$(GO) test ./...
	$(GO) test -tags man -run TestManPages ./cmd/rt
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; n=$${rest#*:}; \
	  echo "fuzz $$name ($$((n * $(FUZZ_SCALE))) inputs)"; \
	  out=$$($(GO) test ./$$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $$((n * $(FUZZ_SCALE)))x 2>&1) || \
	    { echo "$$out" | tail -30; exit 1; }; \
	done

bats: deps-test rt
	bats --timing tests/bats

validation: deps-test rt
	tests/validation/run.sh $(CURDIR)/rt

clients: deps-test rt
	tests/clients/run.sh $(CURDIR)/rt

vm: deps-test rt
	tests/vm/run.sh $(CURDIR)/rt

systemd: deps-test rt
	tests/systemd/run.sh $(CURDIR)/rt

bench: deps-test rt
	bench/run.sh $(CURDIR)/rt

# Every stage runs even when one fails; tests/all.sh ends with a summary.
test: deps-test rt
	tests/all.sh

fmt:
	gofmt -l -w cmd libct specerr internal

clean:
	rm -rf rt rt-man man
