# syntax=docker/dockerfile:1
# Build: the release binary, with the standard library and example embedded.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && strip target/release/paved

# Run: git (for bot commits and the local forge) and the binary, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git=1:2.39.* ca-certificates=20230311* \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/paved --create-home paved
COPY --from=build /src/target/release/paved /usr/local/bin/paved
USER 10001
WORKDIR /var/lib/paved
# `paved daemon`: webhook, /healthz, /readyz, /metrics (set PAVED_LISTEN=0.0.0.0:8080 to accept connections
# from outside the container; deploy/ does).
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/paved"]
CMD ["--help"]
