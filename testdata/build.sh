#!/usr/bin/env bash
# Rebuilds the BPF test objects of bpf4j from testdata/src/main/c/*.c:
#   testdata/obj/bpfel/NAME.o   little-endian BPF  (clang -target bpfel)
#   testdata/obj/bpfeb/NAME.o   big-endian BPF     (clang -target bpfeb)
# lists the object names in testdata/obj/index.txt and records the compiler
# version in testdata/obj/TOOLCHAIN.txt.
#
# Flags: clang -O2 -g -mcpu=v3 -target bpfel|bpfeb -c
#   -O2     required in practice: -O0 BPF code does not pass the verifier and
#           libbpf-style programs expect inlining of __always_inline helpers.
#   -g      emits .BTF and .BTF.ext (func_info, line_info, CO-RE) - needed for
#           BTF-defined maps (SEC(".maps")) and global data.
#   -mcpu=v3  chosen deliberately: clang >= 18 defaults to v3, so this is
#           what current toolchains produce. v3 = v2 (BPF_JLT/JLE/JSLT/JSLE)
#           + 32-bit ALU (w registers, BPF_ALU) and JMP32 jumps. The kernel
#           accepts v3 since 5.1. clang 14's default would be v1.
#   -I/usr/include/$(gcc -dumpmachine)  for <asm/types.h> pulled in by
#           <linux/bpf.h> (Debian keeps it in the multiarch directory).
#
# The build is reproducible for a given clang: objects are rebuilt only when
# the source (or this script) is newer, and rebuilding an unchanged source
# gives byte-identical output, so running the script twice changes nothing.
# Use --force to rebuild everything.
#
# Requires: clang, llvm (llvm-strip not used; llvm-readelf handy), libbpf-dev
# (headers in /usr/include/bpf), bpftool (not needed to build; used to inspect).
# Missing packages are installed with apt-get when running as root on Debian.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/src/main/c"
obj="$here/obj"
force=0
[[ "${1:-}" == "--force" ]] && force=1

need_pkgs=()
command -v clang >/dev/null 2>&1 || need_pkgs+=(clang)
command -v llvm-readelf >/dev/null 2>&1 || need_pkgs+=(llvm)
[[ -f /usr/include/bpf/bpf_helpers.h ]] || need_pkgs+=(libbpf-dev)
command -v bpftool >/dev/null 2>&1 || [[ -x /usr/sbin/bpftool ]] || need_pkgs+=(bpftool)
[[ -f /usr/include/linux/bpf.h ]] || need_pkgs+=(linux-libc-dev)
if ((${#need_pkgs[@]})); then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "installing: ${need_pkgs[*]}" >&2
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}"
	else
		echo "missing packages: ${need_pkgs[*]} (install them, e.g. apt-get install ${need_pkgs[*]})" >&2
		exit 1
	fi
fi

multiarch="$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)"
CFLAGS=(-O2 -g -mcpu=v3 -Wall -Werror -Wno-unused-function -I"/usr/include/$multiarch")

mkdir -p "$obj/bpfel" "$obj/bpfeb"

built=0
for c in "$src"/*.c; do
	name="$(basename "$c" .c)"
	for target in bpfel bpfeb; do
		out="$obj/$target/$name.o"
		if ((force == 0)) && [[ -f "$out" && "$out" -nt "$c" && "$out" -nt "${BASH_SOURCE[0]}" ]]; then
			continue
		fi
		echo "  CC  $target/$name.o"
		# Compile from inside the source directory with a relative file
		# name and map the directory away, so that DWARF (DW_AT_name,
		# DW_AT_comp_dir) and BTF line info do not depend on where the
		# checkout lives: the objects are byte-identical on any machine
		# with the same clang.
		(cd "$src" && clang "${CFLAGS[@]}" -target "$target" \
			-fdebug-prefix-map="$src"=. \
			-c "$name.c" -o "$out.tmp")
		mv -f "$out.tmp" "$out"
		built=$((built + 1))
	done
done

# Drop objects whose source is gone.
for o in "$obj"/bpfel/*.o "$obj"/bpfeb/*.o; do
	[[ -e "$o" ]] || continue
	[[ -f "$src/$(basename "$o" .o).c" ]] || { echo "  RM  $o"; rm -f "$o"; }
done

# obj/index.txt: the object names, one per line (read by dev.bpf4j.testdata.TestObjects).
for c in "$src"/*.c; do basename "$c" .c; done | LC_ALL=C sort > "$obj/index.txt.tmp"
if cmp -s "$obj/index.txt.tmp" "$obj/index.txt" 2>/dev/null; then
	rm -f "$obj/index.txt.tmp"
else
	mv -f "$obj/index.txt.tmp" "$obj/index.txt"
fi

{
	echo "# Toolchain that built obj/bpfel/*.o and obj/bpfeb/*.o (written by build.sh)"
	echo "# flags: clang ${CFLAGS[*]/-I\/usr\/include\/$multiarch/-I/usr/include/<multiarch>} -target bpfel|bpfeb -c"
	clang --version | sed -n '1,2p'
	echo "libbpf headers: $(dpkg-query -W -f='${Package} ${Version}' libbpf-dev 2>/dev/null || echo unknown)"
	echo "uapi headers: $(dpkg-query -W -f='${Package} ${Version}' linux-libc-dev 2>/dev/null || echo unknown)"
} > "$obj/TOOLCHAIN.txt.tmp"
if cmp -s "$obj/TOOLCHAIN.txt.tmp" "$obj/TOOLCHAIN.txt" 2>/dev/null; then
	rm -f "$obj/TOOLCHAIN.txt.tmp"
else
	mv -f "$obj/TOOLCHAIN.txt.tmp" "$obj/TOOLCHAIN.txt"
fi

echo "built $built object(s); $(ls "$obj"/bpfel/*.o | wc -l) per target in $obj"
