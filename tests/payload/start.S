/*
 * start.S -- entry and exception vectors of the test payloads.
 *
 * qemu starts the payload on CPU 0 at EL1 with the MMU off and the device
 * tree's address in x0 (the Linux boot protocol, which kvm-unit-tests'
 * arm/cstart64.S relies on too); the other CPUs stay off until PSCI
 * CPU_ON, which these payloads never call.  We clear .bss, take a stack,
 * install the vectors and call payload_main(dtb).
 */
	.section .init, "ax"
	.globl start
start:
	adrp	x4, start		/* where we run: qemu loads us at 0x40080000 */
	mov	x19, x0			/* the device tree */
	adrp	x5, bss_start
	add	x5, x5, :lo12:bss_start
	adrp	x6, bss_end
	add	x6, x6, :lo12:bss_end
1:	cmp	x5, x6
	b.hs	2f
	stp	xzr, xzr, [x5], #16
	b	1b
2:	adrp	x5, stack_top
	add	x5, x5, :lo12:stack_top
	mov	sp, x5
	adrp	x5, vectors
	add	x5, x5, :lo12:vectors
	msr	vbar_el1, x5
	isb
	mov	x0, x19
	bl	payload_main
3:	wfi
	b	3b

/*
 * Sixteen entries of 128 bytes; each calls exception(vector number).  Only
 * the current-EL-with-SP_ELx synchronous one (4, el1h_sync) is expected:
 * the crash payload's undefined instruction.
 */
	.macro	vector, n
	.balign	128
	mov	x0, #\n
	b	vector_common
	.endm

	.section .vectors, "ax"
	.balign	2048
vectors:
	vector	0
	vector	1
	vector	2
	vector	3
	vector	4
	vector	5
	vector	6
	vector	7
	vector	8
	vector	9
	vector	10
	vector	11
	vector	12
	vector	13
	vector	14
	vector	15

vector_common:
	adrp	x1, stack_top
	add	x1, x1, :lo12:stack_top
	mov	sp, x1
	bl	exception
4:	wfi
	b	4b
