# rt — build, install, demo and test.
PREFIX  ?= /usr/local
DESTDIR ?=
GO      ?= go
VERSION ?= 0.1.0
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# rt is linked statically, as runc's release binaries are: no dynamic
# loader, relocations or shared libraries to map in rt and in the stage it
# re-executes for every container. The C library is musl (musl-gcc), not
# glibc: glibc's start-up asks the CPU about its caches with dozens of
# cpuid instructions, each a trap to the hypervisor on a VM, about 0.3 ms
# of every process here, and rt starts two for each container (itself and
# the stage). musl asks nothing, and makes rt 0.9 MB smaller.
# RT_LIBC=glibc builds against glibc's archives instead.
# netgo and osusergo keep the net and os/user packages (godbus, the
# rootless user lookups) off the C library's NSS.
RT_LIBC ?= musl
STATIC_TAGS := osusergo netgo
MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
ifeq ($(RT_LIBC),musl)
# musl-gcc sees only musl's headers and libraries: the kernel's and
# libseccomp's (a C library of few needs, built for glibc: see
# internal/specconv/musl_compat.go) are linked into .build/musl. The
# threads' default stack is musl's 128 kB unless the binary asks for more.
MUSL_DIR := $(CURDIR)/.build/musl
STATIC_ENV := CC=musl-gcc CGO_CFLAGS='-O2 -g -idirafter $(MUSL_DIR)/include' CGO_LDFLAGS='-L$(MUSL_DIR)/lib'
STATIC_LDFLAGS := -linkmode external -extldflags '-static -Wl,-z,stack-size=1048576'
STATIC_DEPS := $(MUSL_DIR)/.ok
else
STATIC_ENV :=
STATIC_LDFLAGS := -linkmode external -extldflags '-static'
STATIC_DEPS :=
endif
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

rt: $(SOURCES) go.mod go.sum $(STATIC_DEPS)
	$(STATIC_ENV) CGO_ENABLED=1 $(GO) build -trimpath -tags '$(STATIC_TAGS)' -ldflags "$(LDFLAGS) $(STATIC_LDFLAGS)" -o rt ./cmd/rt

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

$(MUSL_DIR)/.ok: | deps-build
	rm -rf $(MUSL_DIR) && mkdir -p $(MUSL_DIR)/include $(MUSL_DIR)/lib
	ln -s /usr/include/linux /usr/include/asm-generic /usr/include/$(MULTIARCH)/asm \
	  /usr/include/seccomp.h /usr/include/seccomp-syscalls.h $(MUSL_DIR)/include/
	ln -s /usr/lib/$(MULTIARCH)/libseccomp.a $(MUSL_DIR)/lib/
	touch $@

# Installs a Debian package only when its command or files are missing.
deps-build:
	@missing=""; command -v gcc >/dev/null || missing="gcc"; command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	[ "$(RT_LIBC)" != musl ] || command -v musl-gcc >/dev/null || missing="$$missing musl-tools"; \
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

# The packages with C in them are tested a second time built as rt is
# (musl, static), since rt runs their C on that library.
unit: deps-test $(STATIC_DEPS)
	$(GO) vet ./...
	$(GO) vet -tags man ./cmd/rt
	$(GO) test ./...
	$(if $(STATIC_DEPS),$(STATIC_ENV) $(GO) test -count=1 -tags '$(STATIC_TAGS)' -ldflags "$(STATIC_LDFLAGS)" ./internal/sigfwd ./internal/nsenter ./internal/specconv)
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
	rm -rf rt rt-man man .build
