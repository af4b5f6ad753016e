#!/bin/sh
# Rebuilds the golden objects and llvm-objdump's listings of them. The listings are the
# oracle for DisassemblerGoldenTest; the test itself never needs clang.
#   <name>-<cpu>-<el|eb>.o          the object
#   <name>-<cpu>-<el|eb>.txt        llvm-objdump -d --no-show-raw-insn
#   <name>-<cpu>-<el|eb>.raw.txt    llvm-objdump -d (with the raw bytes)
#   <name>-<cpu>-<el|eb>.alu32.txt  llvm-objdump -d --no-show-raw-insn --mattr=+alu32
# Made with Debian clang/llvm-objdump 14.0.6; CLANG and OBJDUMP override the tools.
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
OBJDUMP=${OBJDUMP:-llvm-objdump}

build() { # source cpu endian
	base=$(basename "$1" | sed 's/\.[cs]$//')-$2-$3
	case "$1" in
	*.c) "$CLANG" -target "bpf$3" -mcpu="$2" -O2 -g0 -c "$1" -o "$base.o" ;;
	*.s) "$CLANG" -target "bpf$3" -mcpu="$2" -c "$1" -o "$base.o" ;;
	esac
	# Drop the first line: it names the file, which differs between machines.
	"$OBJDUMP" -d --no-show-raw-insn "$base.o" | tail -n +2 > "$base.txt"
	"$OBJDUMP" -d "$base.o" | tail -n +2 > "$base.raw.txt"
	"$OBJDUMP" -d --no-show-raw-insn --mattr=+alu32 "$base.o" | tail -n +2 > "$base.alu32.txt"
}

rm -f ./*.o ./*.txt
for e in el eb; do
	for f in alu.c jumps.c mem.c calls.c; do
		build "$f" v1 "$e"
		build "$f" v3 "$e"
	done
	build jumps.c v2 "$e"
	build atomics.c v3 "$e"
	build insns.s v1 "$e"
done
"$OBJDUMP" --version | grep -i version > TOOLS.txt
"$CLANG" --version | head -1 >> TOOLS.txt
