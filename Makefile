# The entry points for people and CI. Each target sets up what it needs on a fresh build
# machine (Docker engine, stand-in base images) and uses what is already there elsewhere.
.PHONY: demo test images bench mutate clean

# Builds both images and runs the pods locally with Docker; DURATION=60s stops it unattended.
demo:
	bash scripts/demo.sh $(DURATION)

# Runs every test (unit, manifests, pods on Docker) and prints "N passed, N failed".
test:
	bash scripts/test.sh

# Builds sidecars/writer:$(TAG) and sidecars/watcher:$(TAG) from the Dockerfiles (TAG=dev by default).
TAG ?= dev
images:
	bash scripts/images.sh $(TAG)

# The watcher's benchmarks against mtail (see bench/README.md).
bench:
	bash bench/run.sh

# Mutation testing (Stryker.NET) per folder, one at a time, bounded for 2 cores; not part of `make test`.
# FOLDERS="parsing writer" picks folders (default: parsing tailing state writer); MUTATE_TIMEOUT=90m
# per folder, MUTATE_CONCURRENCY=2 (or 1). SINCE=REV (e.g. HEAD~1) tests only the mutants of the files
# changed since REV, in the folders they are in (Stryker's since mode). Prints a score per folder at the end.
mutate:
	SINCE="$(SINCE)" bash scripts/mutate.sh $(FOLDERS)

clean:
	rm -rf .build
