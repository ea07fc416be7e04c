#!/usr/bin/env bash
# The container image end to end (scripts/image, docs/container.md); scripts/test runs it after the release smoke
# test, whose release binaries it uses:
# - builds the image with scripts/image (the base is reused while cached), checks the archive's SHA-256, removes
#   the image and loads it back from the archive, as an air-gapped site would;
# - the image runs as a non-root user and keeps no apt lists, caches or docs;
# - inside it `mizan validate` passes, and a real `mizan run` (--network host) against mizan-testserver on the
#   host stores every item into the mounted /mizan/Results;
# - from outside, the host's mizan reads that store: the run is completed with all 19 items;
# - the Kubernetes example names this image, and its pod command runs in it (read-only root) to a complete run.
# Docker: a running daemon is used as it is. Otherwise docker.io (and debootstrap) are installed if dockerd is
# missing, and dockerd is started for the check and stopped after it. When no daemon can be started the check is
# skipped with a note, or fails if MIZAN_REQUIRE_DOCKER=1. MIZAN_NO_DOCKER=1 skips it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
fail() { echo "image check: $*" >&2; exit 1; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
check_start=$(date +%s)

if [ "${MIZAN_NO_DOCKER:-0}" = 1 ]; then phase "image check: skipped (MIZAN_NO_DOCKER=1)"; exit 0; fi
work=$(mktemp -d /tmp/mizan-image-check.XXXXXX)
dockerd_pid="" server="" tags=()
cleanup() {
  # Under set -e a failing command here would end the script with status 1 (e.g. killing a dockerd that had
  # already exited, after a skip), so every step tolerates failure.
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  if [ ${#tags[@]} -gt 0 ]; then docker rmi "${tags[@]}" >/dev/null 2>&1 || true; fi
  if [ -n "$dockerd_pid" ]; then $SUDO kill "$dockerd_pid" 2>/dev/null || true; wait "$dockerd_pid" 2>/dev/null || true; fi
  $SUDO rm -rf "$work" || true
  return 0
}
trap cleanup EXIT

# A Docker daemon: the running one, else Debian's docker.io started here.
if ! docker info >/dev/null 2>&1; then
  need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  if [ ${#need[@]} -gt 0 ]; then
    phase "image check: installing ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  phase "image check: starting dockerd (stopped after the check)"
  $SUDO dockerd >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  deadline=$(( $(date +%s) + 60 ))
  until docker info >/dev/null 2>&1; do
    if ! kill -0 "$dockerd_pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      if [ "${MIZAN_REQUIRE_DOCKER:-0}" = 1 ]; then
        tail -20 "$work/dockerd.log" >&2; fail "dockerd did not start (its log above) and MIZAN_REQUIRE_DOCKER=1"
      fi
      phase "image check: skipped: dockerd did not start here ($(tail -1 "$work/dockerd.log" | cut -c1-160));" \
        "MIZAN_REQUIRE_DOCKER=1 makes this a failure"
      exit 0
    fi
    sleep 1
  done
fi

BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)
for product in mizan mizan-testserver; do
  if [ ! -x "$BIN/$product" ]; then
    swift_build "swift build -c release ($product)" "$work/build.log" -c release --static-swift-stdlib --product "$product" \
      || exit 1
  fi
done

# The image, from the committed lock. A stale lock (Debian replaced a locked version) is reported; the check then
# goes on with the mirror's current versions, since what it tests is the image, not the lock's age.
image_start=$(date +%s)
status=0
bash scripts/image --binary "$BIN/mizan" --out "$work/out" || status=$?
if [ "$status" -eq 3 ]; then
  phase "image check: WARNING: scripts/image.lock is stale (above); run 'bash scripts/image --update-lock' and" \
    "commit the lock. Going on with the mirror's current versions."
  cp scripts/image.lock "$work/image.lock"
  bash scripts/image --binary "$BIN/mizan" --out "$work/out" --update-lock --lock "$work/image.lock"
elif [ "$status" -ne 0 ]; then
  fail "scripts/image failed (exit status $status)"
fi
image_seconds=$(( $(date +%s) - image_start ))
archive=$(ls "$work"/out/mizan-*.tar)

# The air-gapped path: the archive matches its SHA-256, and the image loads from it alone.
(cd "$work/out" && sha256sum --quiet -c "$(basename "$archive").sha256") || fail "$archive does not match its SHA-256"
mapfile -t tags < <(docker load -i "$archive" | sed -n 's/^Loaded image: //p')   # present already: just its tags
[ ${#tags[@]} -gt 0 ] || fail "docker load -i $archive names no image"
docker rmi "${tags[@]}" >/dev/null
mapfile -t tags < <(docker load -i "$archive" | sed -n 's/^Loaded image: //p')
tag=$(printf '%s\n' "${tags[@]}" | grep -E '^mizan:[^ ]+-[0-9a-f]{12}' | head -1 || true)
[ -n "$tag" ] || fail "docker load -i $archive loaded no mizan:<version>-<commit> image: ${tags[*]}"
user=$(docker run --rm "$tag" id -u)
[ "$user" = 10001 ] || fail "$tag runs as user $user, not the non-root 10001"
# Slim: no apt lists or caches, no docs but the copyright files (and mizan's licence), no man pages or translations.
leftovers=$(docker run --rm "$tag" sh -c 'find /var/lib/apt/lists /var/cache/apt /usr/share/man /usr/share/info \
  /usr/share/locale -type f; find /usr/share/doc -type f ! -name copyright ! -path /usr/share/doc/mizan/LICENSE')
[ -z "$leftovers" ] || fail "$tag keeps files the slimming removes: $(echo "$leftovers" | head -5 | tr '\n' ' ')"

phase "image check: mizan validate and a run inside $tag against mizan-testserver on the host"
"$BIN/mizan-testserver" --port 0 --mode echo > "$work/server.out" 2>&1 &
server=$!
deadline=$(( $(date +%s) + 30 ))
until grep -q listening "$work/server.out" 2>/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "mizan-testserver did not start: $(cat "$work/server.out")"
  sleep 0.1
done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.out")/v1
results="$work/results"
mkdir -p "$results" && chmod 0777 "$results"
in_image() { docker run --rm --network host -v "$results:/mizan/Results" "$tag" "$@"; }
in_image mizan validate > "$work/validate.out" 2>&1 || { cat "$work/validate.out" >&2; fail "mizan validate failed in the image"; }
in_image mizan run --suite starter-fra-latn --endpoint "$url" --name image-check --json > "$work/run.json" \
  || { cat "$work/run.json" >&2; fail "mizan run failed in the image"; }
grep -q '"items" : 19' "$work/run.json" || { cat "$work/run.json" >&2; fail "the run in the image did not report 19 items"; }

# From outside: the store the container wrote (the example config's Results/mizan.sqlite, in the mount).
[ -f "$results/mizan.sqlite" ] || fail "no store at $results/mizan.sqlite (the mounted /mizan/Results)"
owner=$(stat -c %u "$results/mizan.sqlite")
[ "$owner" = 10001 ] || fail "the store was written by user $owner, not the image's user 10001"
"$BIN/mizan" runs --store "$results/mizan.sqlite" --format csv > "$work/runs.csv"
grep -q ",image-check,starter-fra-latn@1.0.0,.*,completed,19," "$work/runs.csv" \
  || { cat "$work/runs.csv" >&2; fail "the host's mizan does not see a completed run of 19 items in the container's store"; }
# The Kubernetes example: its image is this one (mizan:<version> in the cluster's registry), and its pod command runs
# in it as the Job would run it (read-only root, the environment's settings; one shard here) into the same store.
version=$("$BIN/mizan" --version)
job=examples/kubernetes/mizan-shards-job.yaml
grep -qE "^ +image: [^ ]+/mizan:$version( |$)" "$job" || fail "$job does not use the image mizan:$version"
command=$(awk '/^ *- >-$/ { on = 1; next } on && /^ *$/ { exit } on { if (!indent) { match($0, /^ */); indent = RLENGTH }
  match($0, /^ */); if (RLENGTH < indent) exit; sub(/^ +/, ""); printf "%s ", $0 }' "$job")
[ -n "$command" ] || fail "no pod command (the '- >-' args entry) in $job"
docker run --rm --read-only --network host -v "$results:/mizan/Results" -e JOB_COMPLETION_INDEX=0 -e MIZAN_SHARDS=1 \
  -e MIZAN_SUITE=starter-fra-latn -e MIZAN_ENDPOINT="$url" -e MIZAN_STORE=/mizan/Results/mizan.sqlite \
  -e MIZAN_RUN_NAME=k8s-image-check "$tag" /bin/sh -c "$command" > "$work/k8s.json" \
  || { cat "$work/k8s.json" >&2; fail "the Kubernetes pod command failed in the image: $command"; }
"$BIN/mizan" runs --store "$results/mizan.sqlite" --format csv > "$work/runs.csv"
grep -q ",k8s-image-check,starter-fra-latn@1.0.0,.*,completed,19," "$work/runs.csv" \
  || { cat "$work/runs.csv" >&2; fail "the Kubernetes pod command's run is not complete with 19 items"; }
size=$(( $(docker image inspect -f '{{.Size}}' "$tag") / 1000000 ))
echo "image check: ok ($tag, $size MB; image ${image_seconds}s, whole check $(( $(date +%s) - check_start ))s)"
