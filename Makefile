# rtdw: the commands the README shows. `make test` starts the local servers itself.
SHELL := /bin/bash
GO ?= go
# Generous: `go test -race` of every package, integration included, on a 2-core machine.
TEST_TIMEOUT ?= 40m

.PHONY: demo test bench services-up services-down services-status vet unit

## demo: the main job: start the local servers, then capture a MySQL table into ClickHouse and check they agree
demo: services-up
	eval "$$(scripts/services.sh env)" && $(GO) run ./examples/mysql-to-clickhouse

## test: start MySQL, MariaDB, ClickHouse, ZooKeeper and OpenSSH, then vet and run every test (integration included)
## with -race, and then examples/downstream, a module of its own that uses rtdwtest as a downstream repository does;
## -count=1 because the servers hold state the test cache cannot see
test: services-up vet
	eval "$$(scripts/services.sh env)" && RTDW_REQUIRE_SERVICES=1 $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...
	eval "$$(scripts/services.sh env)" && cd examples/downstream && $(GO) vet ./... && \
		RTDW_REQUIRE_SERVICES=1 $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

## unit: the tests that need no server (integration tests skip, naming the variable that enables them; RTDW_TEST_START=0
## keeps rtdwtest from starting servers itself)
unit: vet
	RTDW_TEST_START=0 $(GO) test -race ./...

## bench: start the local servers, then measure MySQL/MariaDB into ClickHouse beside the plain pipe and go-mysql's bare
## binlog reader, each figure beside its baseline from the same run (scripts/bench.sh; sizes and counts by variable)
bench: services-up
	scripts/bench.sh

vet:
	$(GO) vet ./...

services-up:
	scripts/services.sh up

services-down:
	scripts/services.sh down

services-status:
	scripts/services.sh status
