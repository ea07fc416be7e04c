# The mizan container image, built by scripts/image (docs/container.md). Nothing comes from a registry: BASE is
# Debian bookworm minbase made by debootstrap from a Debian mirror and imported with `docker import`; the build
# context holds the release binary, Prompts/, the example config and the licence, put there by scripts/image.
ARG BASE
FROM ${BASE}

# PACKAGES: name=version for every package of the image (scripts/image.lock), so the image has exactly the locked
# set whatever point release the base was made from; with --update-lock, names only and UPGRADE=1 (the mirror's
# newest). The apt lists and caches are removed in the same step, so no layer keeps them; the package list that
# results is recorded in /usr/share/mizan/packages.txt (scripts/image compares it with the lock).
ARG PACKAGES
ARG UPGRADE=0
RUN set -eu; \
    apt-get update -qq; \
    if [ "$UPGRADE" = 1 ]; then DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq; fi; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --allow-downgrades $PACKAGES; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /var/log/alternatives.log \
           /var/cache/debconf/*-old /var/cache/ldconfig/aux-cache; \
    mkdir -p /usr/share/mizan; \
    dpkg-query -W -f '${Package}=${Version}\n' | LC_ALL=C sort > /usr/share/mizan/packages.txt; \
    echo 'mizan:x:10001:10001:mizan:/home/mizan:/usr/sbin/nologin' >> /etc/passwd; \
    echo 'mizan:x:10001:' >> /etc/group; \
    mkdir -p /home/mizan /mizan/Results; \
    chown 10001:10001 /home/mizan /mizan/Results

COPY mizan /usr/local/bin/mizan
COPY LICENSE /usr/share/doc/mizan/LICENSE
COPY mizan.yaml /mizan/mizan.yaml
COPY Prompts /mizan/Prompts

# /mizan is the project: mizan finds Prompts/ and mizan.yaml there (MIZAN_HOME) from any working folder.
# Mount points (docs/container.md): /mizan/mizan.yaml the config, /mizan/Prompts the suites (or a suite folder
# anywhere, passed as --suite /path), /mizan/Results the SQLite store (Results/mizan.sqlite) and reports.
ENV MIZAN_HOME=/mizan
WORKDIR /mizan
USER 10001:10001

ARG VERSION
ARG REVISION
ARG CREATED
LABEL org.opencontainers.image.title="mizan" \
      org.opencontainers.image.description="mizan: evaluates AI models; Debian bookworm minbase, built by scripts/image" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${BASE}" \
      io.mizan.mounts="/mizan/mizan.yaml (config), /mizan/Prompts (suites), /mizan/Results (SQLite store and results)"
CMD ["mizan", "--help"]
