/* The registers of Unikraft's <uk/arch/lcpu.h> (x86-64 struct __regs) the binary hook reads, for host tests. */
#ifndef HOST_UK_ARCH_LCPU_H
#define HOST_UK_ARCH_LCPU_H
struct __regs {
	unsigned long r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs,
		eflags, rsp, ss;
};
#endif
