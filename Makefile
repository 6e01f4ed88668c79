# The two commands of the README: `make demo` (lab cluster) and `make test` (every test).
# Both install what they need: Debian packages (tests/host-deps.sh) and a pinned virtualenv.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: demo test deps lab-up lab-down lab-status lab-mirror lint unit sanity molecule constraints clean

demo: deps
	tests/demo.sh

test: deps
	tests/run-all.sh

deps: $(STAMP) .build/collections/ansible_collections/rktnetes/cluster
	@tests/host-deps.sh

$(STAMP): requirements/python.txt requirements/constraints.txt
	@tests/host-deps.sh
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements/python.txt -c requirements/constraints.txt
	touch $@

# Ansible finds this checkout as the collection rktnetes.cluster through this link.
.build/collections/ansible_collections/rktnetes/cluster:
	mkdir -p $(@D)
	ln -sfn ../../../.. $@

lab-up: deps
	tests/lab/labctl up && tests/lab/labctl wait

# The lab's artifact mirror from Debian's etcd and CNI packages (+ RKTNETES_ARTIFACTS_DIR).
lab-mirror: deps
	tests/lab/mirror/build-mirror.sh

lab-down:
	[ ! -f $${LAB_DIR:-/var/tmp/rktnetes-lab}/registry/registry.pid ] || $(PY) tests/lab/registry.py stop $${LAB_DIR:-/var/tmp/rktnetes-lab}/registry
	[ ! -d $${LAB_DIR:-/var/tmp/rktnetes-lab}/dns ] || $(PY) tests/lab/dns.py stop $${LAB_DIR:-/var/tmp/rktnetes-lab}/dns
	tests/lab/labctl down

lab-status:
	tests/lab/labctl status

lint unit sanity molecule: deps
	tests/run-all.sh $@

# Re-resolve the pinned set after editing requirements/python.txt.
constraints:
	rm -rf .build/constraints-venv && python3 -m venv .build/constraints-venv
	.build/constraints-venv/bin/pip install -q -r requirements/python.txt
	{ echo "# Full resolved set for requirements/python.txt (pip freeze of a clean venv on Python 3.11)."; \
	  echo "# Regenerate: make constraints"; \
	  .build/constraints-venv/bin/pip freeze; } > requirements/constraints.txt

clean:
	rm -rf .build $(VENV)
