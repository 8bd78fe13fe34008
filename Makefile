# Makefile targets of the runbook's Appendix C. Each one is a thin wrapper around the npm script or Compose command
# it names, so CI and operators run the same thing.
#
# COMPOSE: `docker compose` (Compose v2) by default; `make dev COMPOSE=docker-compose` for the v1 binary.

COMPOSE ?= docker compose

.PHONY: help dev stop test test-integration lint check-imports clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20

dev: ## Start the development environment (docker-compose.yml: api behind lb on :8000, PostgreSQL 16, Redis 7)
	$(COMPOSE) up -d

stop: ## Stop and remove the Compose containers (volumes, and so the data, are kept)
	$(COMPOSE) down

test: ## Run all tests (unit, integration, e2e; suites whose service is absent skip)
	npm test

test-integration: ## Integration tests only (real PostgreSQL, Redis, SoftHSM2)
	npm run test:int

lint: ## Type-check the server and the browser console (npm run lint)
	npm run lint

check-imports: ## Architecture boundary check (dependency-cruiser, .dependency-cruiser.cjs)
	npm run check-imports

clean: ## Remove build outputs (dist/, coverage/); never ./data
	rm -rf dist coverage
	@if [ -d data ] && [ -n "$$(ls -A data | grep -vx conclave)" ]; then \
	  echo "kept ./data (embedded database and development keys: $$(ls -A data | grep -vx conclave | tr '\n' ' ')); remove it yourself if you mean to"; \
	fi
