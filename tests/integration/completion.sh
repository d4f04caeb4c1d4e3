#!/bin/bash
# Integration: bash completion (contrib/bash-completion/pkvmctl) against a
# real pkvmd with fake-qemu jobs and a CI project: command names and
# abbreviations, global options, each command's options as its help lists
# them, option values (files, choices), subcommands, job ids for the
# commands that take one (through --socket or $PKVM_SOCKET), CI project
# names for 'ci deliveries', the kernel file for submit; and every option
# in a client/cmd-*.c option table is one the completion offers, so a help
# text that forgets an option fails here.
. "$(dirname "$0")/../lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
COMPLETION=$SRC/contrib/bash-completion/pkvmctl

CI=$T/ci
mkdir -p "$CI"
echo "gen-secret" >"$T/gen.secret"
cat >"$CI/gen.json" <<JSON
{"name": "kernel-ci", "forge": "generic", "secret_file": "$T/gen.secret",
 "job_template": {"append": "fakeqemu=pass"}}
JSON
start_pkvmd --qemu "$FAKE_QEMU" --ci-dir "$CI"

id1=$(ctl submit "$TEST_KERNEL" --append fakeqemu=pass)
id2=$(ctl submit "$TEST_KERNEL" --append fakeqemu=pass)
ctl wait "$id1" 2>/dev/null
ctl wait "$id2" 2>/dev/null

# completions WORD... -- what completing the last WORD offers, one a line,
# sorted: COMP_WORDS and COMP_CWORD set as bash sets them for the line
# "WORD... " (an empty last WORD is a TAB after a space), in a subshell
# so that the test's set -eu does not apply to an interactive function.
completions() {
	(
		set +euo pipefail
		. "$COMPLETION"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_pkvmctl
		printf '%s\n' "${COMPREPLY[@]}" | sort
	)
}

# words TEXT -- TEXT's lines joined by spaces.
words() { tr '\n' ' ' <<<"$1" | sed 's/ $//'; }

check_match "sourcing it registers _pkvmctl for pkvmctl" \
	"$(set +eu; . "$COMPLETION"; builtin complete -p pkvmctl)" '-F _pkvmctl pkvmctl$'

commands=$("$PKVMCTL" help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' | sort)
check_eq "a TAB after pkvmctl offers every command of pkvmctl help" \
	"$(words "$(completions "$PKVMCTL" "")")" "$(words "$commands")"
check_eq "a prefix completes to its command" "$(completions "$PKVMCTL" su)" submit
check_eq "global options complete before the command" "$(completions "$PKVMCTL" --so)" --socket
check_eq "help completes command names" "$(completions "$PKVMCTL" help wa)" wait

check_eq "an option of submit completes" "$(completions "$PKVMCTL" submit --sm)" --smp
submit_opts=$(completions "$PKVMCTL" submit --)
for opt in --exe --exe-dir --junit --no-cov --vmlinux --priority --wait; do
	check_match "submit -- offers $opt" "$submit_opts" "^$opt\$"
done
check_eq "submit --net offers its choices" "$(words "$(completions "$PKVMCTL" submit --net "")")" "none user"
check_eq "an option's value after = completes too" \
	"$(words "$(completions "$PKVMCTL" submit --priority = "")")" "high low normal"

touch "$T/test-mmio" "$T/Image.v4"
check_eq "submit --exe completes file names" "$(completions "$PKVMCTL" submit --exe "$T/test-m")" "$T/test-mmio"
check_eq "submit's KERNEL completes file names" "$(completions "$PKVMCTL" submit "$T/Image.")" "$T/Image.v4"
check_eq "nothing completes after submit's --" "$(completions "$PKVMCTL" submit "$T/Image.v4" -- "")" ""

ids=$(printf '%s\n' "$id1" "$id2" | sort)
check_eq "wait offers the job ids (--socket given)" \
	"$(completions "$PKVMCTL" --socket "$SOCK" wait "")" "$ids"
check_eq "status offers the job ids (\$PKVM_SOCKET)" \
	"$(PKVM_SOCKET=$SOCK completions "$PKVMCTL" status "")" "$ids"
check_eq "an alias (show) and a prefix (res) offer job ids" \
	"$(PKVM_SOCKET=$SOCK completions "$PKVMCTL" show "") $(PKVM_SOCKET=$SOCK completions "$PKVMCTL" res "")" \
	"$ids $ids"
check_eq "a prefix of an id completes to it" \
	"$(completions "$PKVMCTL" --socket "$SOCK" cancel "$id2")" "$id2"
check_eq "an option's value is not taken for the job id (logs --test x ID)" \
	"$(PKVM_SOCKET=$SOCK completions "$PKVMCTL" logs --test fake "")" "$ids"
check_eq "once the id is given, artifacts offers get" \
	"$(PKVM_SOCKET=$SOCK completions "$PKVMCTL" artifacts "$id1" "")" get
check_eq "coverage offers merge, diff and the job ids" \
	"$(words "$(PKVM_SOCKET=$SOCK completions "$PKVMCTL" coverage "")")" "$(words "$(printf '%s\n' diff merge $ids | sort)")"
check_eq "token offers its subcommands, not job ids" \
	"$(words "$(PKVM_SOCKET=$SOCK completions "$PKVMCTL" token "")")" "create list revoke"
check_eq "ci offers list and deliveries" "$(words "$(completions "$PKVMCTL" ci "")")" "deliveries list"
check_eq "ci deliveries offers the CI projects" \
	"$(completions "$PKVMCTL" --socket "$SOCK" ci deliveries "")" kernel-ci
check_eq "list --state offers the states" \
	"$(words "$(completions "$PKVMCTL" list --state "")")" "done queued running"

# Every option of every command's option table is offered: long ones as
# completions of "CMD --", short ones in what the completion reads from
# the help.
missing=
for f in "$SRC"/client/cmd-*.c; do
	cmds=$(sed -n 's/^[[:space:]]*\.name = "\([a-z]*\)",$/\1/p' "$f")
	offered= shorts=
	for c in $cmds; do
		offered="$offered $(completions "$PKVMCTL" "$c" --)"
		shorts="$shorts $(set +eu; . "$COMPLETION"; _pkvmctl_options "$("$PKVMCTL" help "$c")" | awk '{ print $1 }')"
	done
	for o in $(sed -n 's/.*\.long_name = "\([a-z0-9-]*\)".*/\1/p' "$f"); do
		grep -qx -- "--$o" <<<"${offered// /$'\n'}" || missing="$missing $(basename "$f"):--$o"
	done
	for o in $(sed -n "s/.*\\.short_name = '\\(.\\)'.*/\\1/p" "$f"); do
		grep -qx -- "-$o" <<<"${shorts// /$'\n'}" || missing="$missing $(basename "$f"):-$o"
	done
done
check_eq "every option in client/cmd-*.c's tables is completed (so help lists it)" "$missing" ""
finish
