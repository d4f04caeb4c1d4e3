#!/bin/bash
# Integration: the man pages man/pkvmctl.1 and man/pkvmd.8 are well-formed
# (mandoc -T lint, groff and man-db without a warning) and cannot drift from
# the programs they describe:
#   - every command `pkvmctl help` lists has a subsection (.Ss NAME) under
#     COMMANDS, and every subsection there is a command;
#   - every option `pkvmctl help NAME` lists (its usage lines and its option
#     list) has an item (.It Fl ...) in that command's subsection, and every
#     such item is an option the help lists;
#   - every global option `pkvmctl help` lists is in the page;
#   - the exit codes `pkvmctl help wait` lists are the page's EXIT STATUS;
#   - every option `pkvmd --help` lists (the table in daemon/config.c) has an
#     item (.It Fl -NAME) in pkvmd.8 naming its default as --help prints
#     it, and every item is an option pkvmd has.
# A failure names the command or option to document.
. "$(dirname "$0")/../lib.sh"

MAN=$(cd "$(dirname "$0")/../../man" && pwd)
CTL1=$MAN/pkvmctl.1
PKVMD8=$MAN/pkvmd.8

# lint TOOL PAGE -- the tool's complaints about PAGE (empty when none).
lint() {
	case "$1" in
	mandoc) mandoc -T lint -W warning "$2" 2>&1 || true ;;
	groff) groff -mandoc -ww -z "$2" 2>&1 || true ;;
	man) MANWIDTH=80 man --warnings -l "$2" 2>&1 >/dev/null || true ;;
	esac
}

for page in "$CTL1" "$PKVMD8"; do
	for tool in mandoc groff man; do
		if ! command -v "$tool" >/dev/null; then
			check "$tool is installed to lint $(basename "$page") (scripts/setup installs it)" false
			continue
		fi
		check_eq "$tool finds nothing to warn about in $(basename "$page")" "$(lint "$tool" "$page")" ""
	done
done

# section PAGE HEADING -- the source lines of subsection HEADING (.Ss),
# up to the next subsection or section.
section() {
	awk -v h=".Ss $2" '$0 == h { on = 1; next } on && /^\.S[sh] / { exit } on' "$1"
}

# options_of_help -- the options a command's help text (stdin) names in
# its usage lines and option list, one a line: "--name" or "-x".  Prose
# (other commands' options, qemu's) is left alone.
options_of_help() {
	awk '
		/^usage:/ { usage = 1 }
		/^$/ { usage = 0 }
		usage || /^  +-/ {
			line = $0
			# An option list line: only its definition, not the prose
			# after the first double space.
			if (!usage && (m = match(line, /[^ ,]  /)))
				line = substr(line, 1, m)
			while (match(line, /(^|[][ |,{])--?[A-Za-z][A-Za-z0-9-]*/)) {
				tok = substr(line, RSTART, RLENGTH)
				sub(/^[][ |,{]/, "", tok)
				print tok
				line = substr(line, RSTART + RLENGTH)
			}
		}' | sort -u
}

# fl_pattern OPT -- an ERE matching OPT written with mdoc's Fl.
fl_pattern() {
	printf 'Fl %s([^A-Za-z0-9-]|$)' "${1#-}"
}

ctl_help=$("$PKVMCTL" help)
commands=$(awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' <<<"$ctl_help")
check "pkvmctl help lists commands" test -n "$commands"

for cmd in $commands; do
	sec=$(section "$CTL1" "$cmd")
	check "pkvmctl.1 has a subsection for command $cmd" test -n "$sec"
	help=$("$PKVMCTL" help "$cmd")
	items=$(grep '^\.It Fl ' <<<"$sec" || true)
	missing=
	for opt in $(options_of_help <<<"$help"); do
		grep -Eq -- "$(fl_pattern "$opt")" <<<"$items" || missing="$missing $opt"
	done
	check_eq "pkvmctl.1 documents every option of '$cmd' its help lists" "$missing" ""
	extra=
	for opt in $(sed -n 's/^\.It Fl \(-\{0,1\}[A-Za-z][A-Za-z0-9-]*\).*/-\1/p' <<<"$sec"); do
		grep -qx -- "$opt" <(options_of_help <<<"$help") || extra="$extra $opt"
	done
	check_eq "pkvmctl.1 documents no option '$cmd' lacks" "$extra" ""
done

extra=
for ss in $(awk '/^\.Sh COMMANDS/ { on = 1; next } on && /^\.Sh / { exit } on && /^\.Ss / { print $2 }' "$CTL1"); do
	grep -qx -- "$ss" <<<"$commands" || extra="$extra $ss"
done
check_eq "every command pkvmctl.1 documents is one pkvmctl has" "$extra" ""

missing=
for opt in $(awk '/^global options:/ { on = 1; next } on && /^$/ { exit } on && /^  --/ { print $1 }' <<<"$ctl_help"); do
	grep -Eq -- "^\.It $(fl_pattern "$opt")" "$CTL1" || missing="$missing $opt"
done
check_eq "pkvmctl.1 documents every global option" "$missing" ""

codes=$("$PKVMCTL" help wait | awk '/^exit codes:/ { on = 1; next } on' |
	grep -Eo '(^ +|, )[0-9]+ ' | tr -dc '0-9\n' | sort -n | tr '\n' ' ')
page_codes=$(awk '/^\.Sh EXIT STATUS/ { on = 1; next } on && /^\.Sh / { exit } on && /^\.It [0-9]+$/ { print $2 }' "$CTL1" |
	sort -n | tr '\n' ' ')
check_match "pkvmctl help wait lists exit codes" "$codes" '^0 1 '
check_eq "pkvmctl.1's EXIT STATUS lists the exit codes of pkvmctl help wait" "$page_codes" "$codes"

# pkvmd: "  -s, --state-dir VALUE   help [default]" lines; --no-OPTION is
# the negation of the yes/no ones, described in the page's prose.
pkvmd_help=$("$PKVMD" --help)
pkvmd_opts=$(sed -nE 's/^  +(-[A-Za-z], )?(--[a-z][a-z0-9-]*).*/\2/p' <<<"$pkvmd_help" | grep -vx -- '--no-')
check "pkvmd --help lists options" test -n "$pkvmd_opts"
missing= nodefault=
while IFS= read -r line; do
	opt=$(sed -nE 's/^  +(-[A-Za-z], )?(--[a-z][a-z0-9-]*).*/\2/p' <<<"$line")
	[ -n "$opt" ] && [ "$opt" != --no- ] || continue
	item=$(re="^[.]It .*$(fl_pattern "$opt")" awk '
		on && /^\.(It|El|Ss|Sh)( |$)/ { exit }
		$0 ~ ENVIRON["re"] { on = 1 }
		on' "$PKVMD8")
	if [ -z "$item" ]; then
		missing="$missing $opt"
		continue
	fi
	short=$(sed -nE 's/^  +-([A-Za-z]), .*/\1/p' <<<"$line")
	if [ -n "$short" ] && ! grep -Eq "^\\.It $(fl_pattern "-$short")" <<<"$item"; then
		missing="$missing -$short"
	fi
	def=$(sed -nE 's/.*(\[[^]]*\])$/\1/p' <<<"$line")
	if [ -n "$def" ] && ! grep -qF -- "$def" <<<"$item"; then
		nodefault="$nodefault $opt$def"
	fi
done <<<"$pkvmd_help"
check_eq "pkvmd.8 has an item for every option pkvmd --help lists" "$missing" ""
check_eq "pkvmd.8 names each option's default as pkvmd --help does" "$nodefault" ""

extra=
for opt in $(awk '/^\.Sh OPTIONS/ { on = 1; next } on && /^\.Sh / { exit } on' "$PKVMD8" |
	sed -nE 's/^\.It (Fl [A-Za-z]( Ar [a-z]+)? , )?Fl (-[a-z][a-z0-9-]*).*/-\3/p'); do
	grep -qx -- "$opt" <<<"$pkvmd_opts" || extra="$extra $opt"
done
check_eq "every option pkvmd.8 documents is one pkvmd has" "$extra" ""
finish
