#!/bin/sh
# artifact.sh -- leaves files in $PKVM_OUTPUT for /init to ship to the host
# after the test, so the end-to-end tests can check the artifact path:
#
#   random.bin          1 MiB (1048576 bytes) from /dev/urandom; its sha256
#                       is printed here so the host can compare it with the
#                       file it stored and with the file-begin line
#   notes.txt           a small text file with known content (below)
#   empty.txt           an empty file (size 0, no data lines)
#   sub/dir/nested.txt  a file two directories down: "nested\n"
#
# and three that /init must not ship, each reported by a file-skip line:
#
#   .hidden             name starts with '.'       (reason=name)
#   bad name.txt        a space in the name        (reason=name, path
#                                                   bad_name.txt)
#   link                a symlink to notes.txt     (reason=symlink)
#
# Known counts: 4 files shipped, 3 skipped; exit status 0.
set -e
out=${PKVM_OUTPUT:?PKVM_OUTPUT is not set}

dd if=/dev/urandom of="$out/random.bin" bs=65536 count=16 2>/dev/null
printf 'pkvm artifact test\nseed=%s\ntest=%s\n' "${PKVM_SEED:-}" "${PKVM_TEST:-}" >"$out/notes.txt"
: >"$out/empty.txt"
mkdir -p "$out/sub/dir"
echo nested >"$out/sub/dir/nested.txt"
echo hidden >"$out/.hidden"
echo "bad name" >"$out/bad name.txt"
ln -s notes.txt "$out/link"

for f in random.bin notes.txt empty.txt sub/dir/nested.txt; do
	sum=$(sha256sum <"$out/$f")
	echo "artifact.sh: $f size=$(stat -c %s "$out/$f") sha256=${sum%% *}"
done
exit 0
