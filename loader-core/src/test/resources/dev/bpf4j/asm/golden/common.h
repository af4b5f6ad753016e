/* Small helpers shared by the golden snippets; no system headers, so any clang builds them. */
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef long long s64;
typedef int s32;
typedef short s16;
typedef signed char s8;

#define SEC(name) __attribute__((section(name), used))
#define NOINLINE __attribute__((noinline))

/* Keeps the compiler from folding a value: an empty asm that "changes" it. */
#define OPAQUE(x) asm volatile("" : "+r"(x))
