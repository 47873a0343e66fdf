# syntax=docker/dockerfile:1
# gradtrace: one image for the web replicas (`serve`) and the job workers (`worker`).
#
#   docker build -t gradtrace .                                   # CPU torch (default)
#   docker build --build-arg TORCH_VARIANT=cu128 -t gradtrace:cuda .   # CUDA torch
#
# Layers go from the least to the most often changed: torch (~1 GB CPU, several GB CUDA), then
# the other dependencies (from pyproject.toml only), then gradtrace's own code. Editing the code
# rebuilds only the last, small layers. See docs/deploy.md.

ARG PYTHON_VERSION=3.11

# --- build: a virtual environment with everything installed --------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build

# cpu, or a CUDA variant of the PyTorch index (cu126, cu128...) that the hosts' driver supports.
ARG TORCH_VARIANT=cpu
ARG TORCH_VERSION=2.13.0
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv
RUN pip install "torch==${TORCH_VERSION}" \
        --index-url "https://download.pytorch.org/whl/${TORCH_VARIANT}"

WORKDIR /src
# The dependencies (and the scale-out extra) read from pyproject.toml, without the code: this
# layer is reused until pyproject.toml changes.
# torch is skipped there: it is installed above, from the chosen index.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(r for r in p['dependencies'] + p['optional-dependencies']['scale'] \
if not r.startswith('torch')))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY README.md ./
COPY app ./app
COPY static ./static
COPY templates ./templates
# A regular (not editable) install: the wheel carries static/ and templates/ inside app/.
RUN pip install --no-deps .

# --- runtime: the environment, Graphviz, an unprivileged user ------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime

# `dot` lays out the graphs too big for the worker's in-process layout.
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --uid 10001 --create-home --home-dir /home/gradtrace --shell /usr/sbin/nologin \
        gradtrace \
    && install -d -o gradtrace -g gradtrace /var/lib/gradtrace

COPY --from=build /opt/venv /opt/venv
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GRADTRACE_HOST=0.0.0.0 \
    GRADTRACE_PORT=8000 \
    GRADTRACE_DATA_DIR=/var/lib/gradtrace

USER gradtrace
WORKDIR /home/gradtrace
VOLUME ["/var/lib/gradtrace"]
EXPOSE 8000

# A web replica answers /health; a worker has a live heartbeat in Redis (see the script).
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["docker-entrypoint.sh", "health"]

ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["serve"]
