# The two quick-start commands (README): `make run` and `make test`.
# Everything else is meson; this file only chains setup -> configure -> build.

BUILD    ?= build
ASAN     ?= build-asan
LISTEN   ?= 127.0.0.1:8080
RULES    ?= rules

.PHONY: all setup build run test test-asan bench clean

all: build

setup:
	@sh scripts/setup.sh

$(BUILD)/build.ninja:
	@sh scripts/setup.sh
	meson setup $(BUILD)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Build and start the server with the bundled rules on the embedded store.
run: build
	./$(BUILD)/wegwijzer serve --listen $(LISTEN) --rules $(RULES)

# Build and run every test (unit, rules, integration against a real redis-server).
test: build
	meson test -C $(BUILD) --print-errorlogs

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan:
	@sh scripts/setup.sh
	[ -f $(ASAN)/build.ninja ] || meson setup $(ASAN) -Db_sanitize=address,undefined -Dbench=false
	ninja -C $(ASAN)
	meson test -C $(ASAN) --print-errorlogs

bench: build
	@sh scripts/setup.sh --bench
	meson test -C $(BUILD) --benchmark --verbose

clean:
	rm -rf $(BUILD) $(ASAN)
