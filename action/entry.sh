#!/usr/bin/env bash
# The GitHub Action's steps: action.yml runs `bash "$GITHUB_ACTION_PATH/action/entry.sh" STEP`.
#
#   key       the install's cache key and virtualenv folder (step outputs key, venv)
#   install   a virtualenv outside the workspace, sovaudit from the action's own checkout,
#             every package at the version action/constraints.txt pins (nothing if the cache
#             already restored it under SA_KEY, the key step's key)
#   baseline  scan SA_REF (checked out beside the workspace) to a baseline document
#   scan      scan SA_PATH; outputs exit-code, json, sarif, category; appends the Markdown summary
#             to the job summary; always succeeds so that the SARIF is uploaded
#   verdict   fail the job on SA_CODE 1 (findings), 2 (usage or configuration), 3 (internal error)
#
# Nothing from the scanned workspace is ever run or imported: every Python runs isolated (`-I`:
# no current folder, no user site, no PYTHON* variables on sys.path), pip runs from a folder
# outside the workspace, sovaudit runs from its own virtualenv, and git only reads (`rev-parse`,
# `fetch`, `worktree add` of the base commit; the workspace's .git/config is actions/checkout's).
# Inputs arrive as SA_* environment variables, never expanded into this script.
set -euo pipefail

step="${1:?usage: entry.sh key|install|baseline|scan|verdict}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # the action's own checkout
tmp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
venv="${SA_VENV:-$tmp/sovaudit-venv}"
out="${GITHUB_OUTPUT:-/dev/null}"

sovaudit() { "$venv/bin/python" -I -m sovaudit "$@"; }

case "$step" in
  key)
    py="${SA_PYTHON:-python3}"
    if ! ver=$(cd "$tmp" && "$py" -I -c 'import sys; assert sys.version_info >= (3, 10), sys.version; print("%d.%d.%d" % sys.version_info[:3])' 2>&1); then
      echo "::error title=sovaudit::$py is not Python 3.10 or newer ($ver): set up Python before this action or set the python input"
      exit 2
    fi
    sum=$(cd "$here" && find pyproject.toml action/constraints.txt src rules reports -type f ! -name '*.pyc' -print0 \
            | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
    echo "key=sovaudit-${RUNNER_OS:-$(uname -s)}-$(uname -m)-py$ver-$sum" >> "$out"
    echo "venv=$venv" >> "$out"
    ;;

  install)
    # the cache restores the virtualenv only under the same key; a leftover one of another key
    # (another action version or Python) is made again
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.sovaudit-key" 2>/dev/null)" = "${SA_KEY:-}" ] \
        && "$venv/bin/python" -I -c 'import sovaudit' 2>/dev/null; then
      echo "sovaudit $("$venv/bin/python" -I -m sovaudit --version | cut -d' ' -f3-) restored from the cache"
      exit 0
    fi
    py="${SA_PYTHON:-python3}"
    cd "$tmp"   # never the workspace: a pip.py or sitecustomize.py there must not be imported
    rm -rf "$venv"
    "$py" -I -m venv "$venv"
    PIP_CONSTRAINT="$here/action/constraints.txt" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
      "$venv/bin/python" -I -m pip install --quiet "$here"
    printf '%s' "${SA_KEY:-}" > "$venv/.sovaudit-key"
    sovaudit --version
    ;;

  baseline)
    top=$(git -C "$SA_PATH" rev-parse --show-toplevel)
    abs=$(realpath "$SA_PATH")
    rel=$(cd "$tmp" && "$venv/bin/python" -I -c 'import os, sys; print(os.path.relpath(os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])))' "$abs" "$top")
    base="$tmp/sovaudit-base"
    # a full clone has the commit; a shallow one (actions/checkout's default) fetches just it
    if ! commit=$(git -C "$top" rev-parse --verify --quiet "$SA_REF^{commit}"); then
      git -C "$top" fetch --quiet --no-tags --depth 1 origin "$SA_REF"
      commit=$(git -C "$top" rev-parse FETCH_HEAD)
    fi
    rm -rf "$base"
    git -C "$top" worktree add --quiet --detach "$base" "$commit"
    args=(scan "$base/$rel" -q --format json --output "$tmp/sovaudit-baseline.json")
    for p in ${SA_POLICY:-}; do args+=(--policy "$p"); done
    if [ "${SA_OFFLINE:-false}" = "true" ]; then args+=(--offline); fi
    # shellcheck disable=SC2206  # words, as documented for the args input
    extra=(${SA_ARGS:-})
    code=0
    sovaudit "${args[@]}" "${extra[@]}" || code=$?
    git -C "$top" worktree remove --force "$base"
    if [ "$code" -gt 1 ]; then
      echo "::error title=sovaudit::the baseline scan of $SA_REF failed (exit $code)"
      exit "$code"
    fi
    echo "file=$tmp/sovaudit-baseline.json" >> "$out"
    ;;

  scan)
    dir="${SA_OUTPUT_DIR:-sovaudit-report}"
    args=(scan "$SA_PATH" --fail-on "${SA_FAIL_ON:-high}" --format json,sarif,md --output-dir "$dir" --exclude "/$dir/")
    for p in ${SA_POLICY:-}; do args+=(--policy "$p"); done
    if [ -n "${SA_BASELINE:-}" ]; then args+=(--baseline "$SA_BASELINE"); fi
    if [ "${SA_OFFLINE:-false}" = "true" ]; then args+=(--offline); fi
    # shellcheck disable=SC2206  # words, as documented for the args input
    extra=(${SA_ARGS:-})
    code=0
    sovaudit "${args[@]}" "${extra[@]}" || code=$?
    # one code-scanning category per scanned folder: two folders' alerts never replace each other
    p="${SA_PATH#./}"; p="${p%/}"
    if [ -z "$p" ] || [ "$p" = "." ]; then category=sovaudit; else category="sovaudit/$p"; fi
    {
      echo "exit-code=$code"
      echo "json=$dir/sovaudit.json"
      if [ -f "$dir/sovaudit.sarif" ]; then echo "sarif=$dir/sovaudit.sarif"; else echo "sarif="; fi
      echo "category=$category"
    } >> "$out"
    if [ -f "$dir/sovaudit.md" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      cat "$dir/sovaudit.md" >> "$GITHUB_STEP_SUMMARY"
    fi
    ;;

  verdict)
    case "${SA_CODE:-}" in
      0) echo "sovaudit: nothing at or above --fail-on ${SA_FAIL_ON:-high}" ;;
      1) echo "::error title=sovaudit::policy findings at or above --fail-on ${SA_FAIL_ON:-high} (listed in the scan step's log, the job summary and code scanning)"; exit 1 ;;
      2) echo "::error title=sovaudit::usage or configuration error (exit 2): see the scan step's log"; exit 2 ;;
      3) echo "::error title=sovaudit::internal error in sovaudit (exit 3): a bug, please report it with the scan step's log"; exit 3 ;;
      *) echo "::error title=sovaudit::the scan did not finish (exit '${SA_CODE:-none}')"; exit 3 ;;
    esac
    ;;

  *)
    echo "entry.sh: unknown step $step" >&2
    exit 2
    ;;
esac
