// SPDX-License-Identifier: GPL-2.0
/*
 * btf_values.c - maps whose BTF key and value types cover what bpftool's btf_dumper prints
 * differently: bitfields (with and without kind_flag), __int128, bool, char and char arrays,
 * signed and unsigned enums, pointers, unions, anonymous members, qualifiers, floats, and
 * global data (.data, .bss, .rodata datasecs). Used by BpftoolMapDumpTest, which loads it
 * with `bpftool prog loadall`, writes entries with `bpftool map update` and compares
 * `bpftool map dump` with BtfDumper. Rebuild (clang 14):
 *   clang -g -O2 -mcpu=v3 -I/usr/include/x86_64-linux-gnu -target bpfel -c btf_values.c -o btf_values.bpfel.o
 *   clang -g -O2 -mcpu=v3 -I/usr/include/x86_64-linux-gnu -target bpfeb -c btf_values.c -o btf_values.bpfeb.o
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum color { RED, GREEN = 5, BLUE = -1 };
enum level { LOW = 1, HIGH = 0x80000000u };

typedef unsigned int u32_t;
typedef const volatile u32_t cv_u32;

struct bits {
	unsigned int a : 3;
	int b : 5;
	unsigned char c : 1;
	enum color col : 4;
	unsigned long long wide : 40;
	_Bool flag : 1;
	int : 2;			/* unnamed padding bitfield */
	signed char last : 7;
};

union word {
	__u32 word;
	__u8 bytes[4];
	struct {
		__u16 lo;
		__u16 hi;
	};
};

struct rich {
	char name[12];
	_Bool flag;
	signed char sc;
	unsigned char uc;
	short s;
	int i;
	long long ll;
	unsigned long long ull;
	__int128 big;
	unsigned __int128 ubig;
	void *ptr;
	enum color col;
	enum level lvl;
	struct bits bf;
	union word w;
	struct {
		int x;
		int y;
	} pt;
	union {
		int anon_i;
		unsigned int anon_u;
	};
	cv_u32 qual;
	__u8 raw[3];
	char grid[2][4];
	char tag[4];
};

struct with_float {
	__u32 id;
	float f;
	double d;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct rich);
} rich_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, int);
	__type(value, struct bits);
} bits_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, enum color);
	__type(value, union word);
} enum_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, struct bits);
	__type(value, char[8]);
} bitkey_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct with_float);
} float_map SEC(".maps");

int counter = 7;
char banner[8] = "hi";
struct bits gbits = { .a = 5, .b = -3 };
__u64 zeroed;
const volatile enum color cfg_color = GREEN;

SEC("xdp")
int btf_values(struct xdp_md *ctx)
{
	__u32 k = 0;
	int ik = 0;
	enum color ck = RED;
	struct bits bk = {};
	struct rich *r = bpf_map_lookup_elem(&rich_map, &k);
	struct bits *b = bpf_map_lookup_elem(&bits_map, &ik);
	union word *w = bpf_map_lookup_elem(&enum_map, &ck);
	char *c = bpf_map_lookup_elem(&bitkey_map, &bk);
	struct with_float *f = bpf_map_lookup_elem(&float_map, &k);

	counter++;
	zeroed += (r != 0) + (b != 0) + (w != 0) + (c != 0) + (f != 0);
	return cfg_color == GREEN ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
