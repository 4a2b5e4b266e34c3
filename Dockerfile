# The Roost Home Assistant add-on image, in two stages:
#  1. build: compiles a static, stripped `roost` for the target architecture
#     on the build platform (scripts/cross-build: amd64 or aarch64);
#  2. the add-on: Home Assistant's Alpine base image (s6-overlay v3, with
#     /init as PID 1) plus that one binary and rootfs/ (the s6 services).
# The Supervisor (or scripts/build-addon-image) passes BUILD_FROM and
# BUILD_ARCH; the defaults name the base image without a registry host.
ARG BUILD_ARCH=amd64
ARG BUILD_FROM=homeassistant/${BUILD_ARCH}-base:3.21
ARG BUILDER=debian:bookworm-slim
# Set by BuildKit; scripts/test-addon-image passes it to buildah.
ARG TARGETPLATFORM

FROM --platform=$BUILDPLATFORM ${BUILDER} AS build
# The target: Docker's TARGETARCH (amd64, arm64) where the builder sets it,
# else the Supervisor's BUILD_ARCH (amd64, aarch64).
ARG TARGETARCH
ARG BUILD_ARCH
# ROOST_PREBUILT: a static roost already built for TARGETARCH, as a path in
# the build context (the tests build the broker once and reuse it here);
# empty: compile it in this stage.
ARG ROOST_PREBUILT=
COPY . /src
RUN if [ -n "$ROOST_PREBUILT" ]; then \
      install -D -m 0755 "/src/$ROOST_PREBUILT" /out/roost; \
    else \
      ROOST_BUILD_ROOT=/tmp/build /src/scripts/cross-build "${TARGETARCH:-$BUILD_ARCH}" /out; \
    fi

# The target platform said again: some builders (buildah 1.28) otherwise
# keep the build stage's platform for this stage too.
FROM --platform=${TARGETPLATFORM} ${BUILD_FROM}
ARG BUILD_ARCH
ARG BUILD_VERSION=0.1.0
COPY --from=build /out/roost /usr/bin/roost
COPY rootfs /
LABEL io.hass.type="app" \
      io.hass.name="Roost MQTT broker" \
      io.hass.description="Lightweight MQTT broker, a drop-in replacement for the Mosquitto app" \
      io.hass.version="${BUILD_VERSION}" \
      io.hass.arch="${BUILD_ARCH}" \
      org.opencontainers.image.title="Roost MQTT broker" \
      org.opencontainers.image.version="${BUILD_VERSION}"
# Accepting connections on 1883, as the Supervisor's watchdog checks; the
# probe is logged at debug only.
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/usr/bin/roost", "health"]
# No CMD or ENTRYPOINT: the base image's /init (s6-overlay) stays PID 1.
