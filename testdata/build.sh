#!/usr/bin/env bash
# Rebuilds the BPF test objects of bpf4j from testdata/src/main/c/*.c:
#   testdata/obj/bpfel/NAME.o   little-endian BPF  (clang -target bpfel)
#   testdata/obj/bpfeb/NAME.o   big-endian BPF     (clang -target bpfeb)
# lists the object names in testdata/obj/index.txt and records the compiler
# version in testdata/obj/TOOLCHAIN.txt.
# It also builds the Linux kernel BPF selftests kept in testdata/src/selftests/
# (programs we did not write) into testdata/obj/{bpfel,bpfeb}/selftests/NAME.o,
# listed in testdata/obj/selftests-index.txt; see "Kernel selftests" below.
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

# vmlinux.h, for sources that #include "vmlinux.h" (core_vmlinux.c and three
# selftests): generated from the running kernel's BTF into a temporary
# directory, only when such an object needs rebuilding, and never committed.
# It is mapped to "generated/" in the debug info. Such objects depend on the
# kernel they were built on (their BTF holds its types): the release is
# recorded in obj/TOOLCHAIN.txt ("vmlinux.h:" line), kept from the previous
# run when none of them was rebuilt.
vmlinux_gen=""
vmlinux_release=""
cleanup_vmlinux_gen() { if [[ -n "$vmlinux_gen" ]]; then rm -rf "$vmlinux_gen"; fi; }
trap cleanup_vmlinux_gen EXIT
gen_vmlinux_h() { # $1: the source that needs it, for the message
	[[ -n "$vmlinux_gen" ]] && return 0
	if [[ ! -r /sys/kernel/btf/vmlinux ]]; then
		echo "$1 needs vmlinux.h, generated from /sys/kernel/btf/vmlinux, which this kernel lacks" >&2
		exit 1
	fi
	vmlinux_gen="$(mktemp -d)"
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$vmlinux_gen/vmlinux.h"
	vmlinux_release="$(uname -r), BTF sha256 $(sha256sum /sys/kernel/btf/vmlinux | cut -c1-16)"
}

built=0
for c in "$src"/*.c; do
	name="$(basename "$c" .c)"
	extra=()
	if grep -q '#include "vmlinux.h"' "$c"; then
		# bpf_tracing.h's pt_regs accessors need the architecture.
		extra+=(-D__TARGET_ARCH_x86)
	fi
	for target in bpfel bpfeb; do
		out="$obj/$target/$name.o"
		if ((force == 0)) && [[ -f "$out" && "$out" -nt "$c" && "$out" -nt "${BASH_SOURCE[0]}" ]]; then
			continue
		fi
		vflags=()
		if ((${#extra[@]})); then
			gen_vmlinux_h "$name.c"
			vflags=(-I"$vmlinux_gen" -fdebug-prefix-map="$vmlinux_gen"=generated)
		fi
		echo "  CC  $target/$name.o"
		# Compile from inside the source directory with a relative file
		# name and map the directory away, so that DWARF (DW_AT_name,
		# DW_AT_comp_dir) and BTF line info do not depend on where the
		# checkout lives: the objects are byte-identical on any machine
		# with the same clang.
		(cd "$src" && clang "${CFLAGS[@]}" "${extra[@]}" "${vflags[@]}" -target "$target" \
			-fdebug-prefix-map="$src"=. \
			-c "$name.c" -o "$out.tmp")
		mv -f "$out.tmp" "$out"
		built=$((built + 1))
	done
done

# --- Kernel selftests ---------------------------------------------------------
# src/selftests/NAME.c are BPF programs from the Linux kernel's
# tools/testing/selftests/bpf/progs (see each file's header), compiled with the
# selftests' own flags (their Makefile: -g -Werror -D__TARGET_ARCH_$(SRCARCH)
# -Wno-compare-distinct-pointer-types, -O2 -mcpu=v3, -fno-inline for
# test_xdp_noinline), plus our -I for the multiarch and stand-in headers.
# __TARGET_ARCH_x86 is fixed so that the objects do not depend on the machine.
# Three of them include "vmlinux.h", which is not committed (about 3 MB): it is
# generated here from the running kernel's BTF, only when one of them needs
# rebuilding, and mapped to "generated/" in the debug info. Instructions never
# depend on it, but BTF may: for_each_array_map_elem's callback takes a
# "struct bpf_map *", which pulls the building kernel's struct bpf_map into
# the object's BTF. Objects are rebuilt only when their source changes, so the
# committed ones stay as they are; a rebuild on the same kernel is identical.
sel_src="$here/src/selftests"
sel_names=()
for c in "$sel_src"/*.c; do sel_names+=("$(basename "$c" .c)"); done
mkdir -p "$obj/bpfel/selftests" "$obj/bpfeb/selftests"
for name in "${sel_names[@]}"; do
	c="$sel_src/$name.c"
	extra=()
	[[ "$name" == test_xdp_noinline ]] && extra+=(-fno-inline)
	for target in bpfel bpfeb; do
		out="$obj/$target/selftests/$name.o"
		if ((force == 0)) && [[ -f "$out" && "$out" -nt "$c" && "$out" -nt "${BASH_SOURCE[0]}" ]] \
			&& [[ -z "$(find "$sel_src" -name '*.h' -newer "$out" -print -quit)" ]]; then
			continue
		fi
		sel_gen=""
		if grep -q '#include "vmlinux.h"' "$c"; then
			gen_vmlinux_h "$name.c"
			sel_gen="$vmlinux_gen"
		fi
		echo "  CC  $target/selftests/$name.o"
		(cd "$sel_src" && clang -O2 -g -mcpu=v3 -Werror -D__TARGET_ARCH_x86 \
			-Wno-compare-distinct-pointer-types "${extra[@]}" \
			-I"/usr/include/$multiarch" -Iinclude ${sel_gen:+-I"$sel_gen"} \
			-target "$target" -fdebug-prefix-map="$sel_src"=. \
			${sel_gen:+-fdebug-prefix-map="$sel_gen"=generated} \
			-c "$name.c" -o "$out.tmp")
		mv -f "$out.tmp" "$out"
		built=$((built + 1))
	done
done
for o in "$obj"/bpfel/selftests/*.o "$obj"/bpfeb/selftests/*.o; do
	[[ -e "$o" ]] || continue
	[[ -f "$sel_src/$(basename "$o" .o).c" ]] || { echo "  RM  $o"; rm -f "$o"; }
done
# obj/selftests-index.txt: their names (read by TestObjects.selftestNames()).
# Kept apart from index.txt, whose objects all have hand-written expectations.
printf '%s\n' "${sel_names[@]}" | LC_ALL=C sort > "$obj/selftests-index.txt.tmp"
if cmp -s "$obj/selftests-index.txt.tmp" "$obj/selftests-index.txt" 2>/dev/null; then
	rm -f "$obj/selftests-index.txt.tmp"
else
	mv -f "$obj/selftests-index.txt.tmp" "$obj/selftests-index.txt"
fi

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
	if [[ -z "$vmlinux_release" ]]; then
		vmlinux_release="$(sed -n 's/^vmlinux\.h: generated from the BTF of Linux //p' "$obj/TOOLCHAIN.txt" 2>/dev/null || true)"
	fi
	echo "# objects that include vmlinux.h (core_vmlinux, three selftests) also get -D__TARGET_ARCH_x86"
	echo "vmlinux.h: generated from the BTF of Linux ${vmlinux_release:-unknown}"
	echo "# selftests/*.o: clang -O2 -g -mcpu=v3 -Werror -D__TARGET_ARCH_x86 -Wno-compare-distinct-pointer-types [-fno-inline] -I/usr/include/<multiarch> -Iinclude -target bpfel|bpfeb -c (vmlinux.h from the kernel's BTF)"
} > "$obj/TOOLCHAIN.txt.tmp"
if cmp -s "$obj/TOOLCHAIN.txt.tmp" "$obj/TOOLCHAIN.txt" 2>/dev/null; then
	rm -f "$obj/TOOLCHAIN.txt.tmp"
else
	mv -f "$obj/TOOLCHAIN.txt.tmp" "$obj/TOOLCHAIN.txt"
fi

echo "built $built object(s); $(ls "$obj"/bpfel/*.o | wc -l) per target in $obj, $(ls "$obj"/bpfel/selftests/*.o | wc -l) selftests per target"
