#!/bin/sh
# A deploy pipeline's gate on golive: proceed (exit 0) only when golive says so.
#
#   pre-deploy.sh verify RESULT.json [--env NAME ...]   the gate before deploying a judged, signed release
#   pre-deploy.sh check [--env NAME --out DIR ...]       judge now (exit 0 only for a GO that needs no sign-off)
#
# Every golive exit code (README, "The decision and exit codes") is passed through unchanged, so
# the pipeline can branch on it, with one line on stderr saying what it means and what to do.
# Any code golive does not define blocks the deploy as well. Set GOLIVE to the golive to run.
set -u

GOLIVE=${GOLIVE:-golive}

say() { printf 'pre-deploy: %s\n' "$*" >&2; }

mode=${1:-}
case "$mode" in
    check | verify) shift ;;
    *)
        say "usage: pre-deploy.sh verify RESULT.json [golive verify options] | check [golive check options]"
        exit 2
        ;;
esac

# golive runs in the background so that a SIGTERM or SIGINT sent to this hook (a cancelled
# pipeline) reaches it: golive then kills its own children and exits 130, publishing nothing.
child=
forward() {
    if [ -n "$child" ]; then
        kill -s "$1" "$child" 2>/dev/null
    fi
}
trap 'forward TERM' TERM
trap 'forward INT' INT

"$GOLIVE" "$mode" "$@" &
child=$!
# `wait` returns early (above 128) when a trapped signal arrives; wait again for golive's own code.
while :; do
    wait "$child"
    code=$?
    if kill -0 "$child" 2>/dev/null; then
        continue
    fi
    break
done

case "$mode:$code" in
    check:0) say "GO: every blocking item passed and this environment needs no sign-off; deploy may proceed" ;;
    verify:0) say "verified GO: digest, policy, signatures and decision all check out; deploy may proceed" ;;
    check:1) say "NO-GO: a blocking item failed or lacks evidence; see RELEASE_REPORT.md under --out (exit 1)" ;;
    verify:1) say "not verified: the result is not a GO this verifier accepts (reasons above); do not deploy (exit 1)" ;;
    *:2) say "usage or configuration error: nothing was judged (message above); fix the input and run again (exit 2)" ;;
    check:3) say "GO pending sign-off: collect the roles' signatures (golive sign), then gate with 'pre-deploy.sh verify' (exit 3)" ;;
    check:4) say "PARTIAL PASS: a --only/--skip run is never a GO; run the full checklist before deploying (exit 4)" ;;
    *:130) say "interrupted: golive stopped its collectors and published nothing; run again (exit 130)" ;;
    *) say "golive exited $code, which is none of its own codes: treated as a block; do not deploy" ;;
esac
exit "$code"
