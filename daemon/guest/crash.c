/*
 * crash.c -- which console lines start a crash report, and how each
 * kind of report is titled (crash.h; docs/CRASHES.md says it in prose).
 *
 * A report starts on a line whose printk message -- the line after its
 * printk prefix ("[   12.345678]", "[  T123]", base/printk.h) and a
 * subsystem prefix ("kvm [79]: ", "rcu: ", "watchdog: ", "kmemleak: ") --
 * starts with one of the patterns below.  Anchoring at the message's
 * start is what keeps "kvm [1]: ..." boot chatter, a program's "WARNING:
 * the mand mount option is being deprecated" and words like "DEBUG" or
 * "BUG-free" from being taken for crashes: each kind of report is listed
 * in the form the kernel prints it, never as any line starting "BUG:" or
 * "WARNING:".  A kernel WARNING is the splat's header ("WARNING: CPU: 0
 * PID: 1 at FILE:LINE FUNC", its older "WARNING: at FILE:LINE" and newer
 * "WARNING: FILE:LINE at FUNC, CPU#0: ..." forms) or one of lockdep's
 * named reports.
 *
 * Patterns.  Text matches itself; '*' matches any run of characters (the
 * shortest that lets the rest match; at the end of a pattern, the rest of
 * the message); "%d" matches one or more digits and "%f" a source
 * location "path/file.c:123".  Every '*' and '%f' is a capture, {1} to {4}
 * in the title format, in order.  The first rule that matches wins, so a
 * narrow rule comes before the broad one of its kind.
 *
 * Fields of a rule (struct crash_rule):
 *   kind, fatal  the report's kind (its name on the wire: crash_kind_name)
 *                and whether it crashes the job: a warning-class report
 *                (WARNING, lockdep, memory leak) does not unless a panic
 *                joins it;
 *   joins        the line continues an open report of the same printk
 *                caller rather than starting one: the panic an Oops
 *                causes, the "Internal error:" after "Unable to handle
 *                kernel ...";
 *   after_boot   a boot banner is a crash (an unexpected reboot) only once
 *                a running kernel has printed;
 *   printk       only a line with a printk prefix counts (a program may
 *                print the same text: cat /proc/version);
 *   end          how the report ends (crash-report.c);
 *   title, bare  the title format, and the one used when no culprit is
 *                found ("... in corrupted" when there is none);
 *   culprit      how the culprit is chosen from the stack (crash-title.c);
 *   lead         a marker whose function names the culprit before the
 *                stack does (lockdep's "at: FUNC");
 *   trace        the stack the culprit comes from, when not the first;
 *   pc           the report shows where the CPU was (a fault, a WARNING, a
 *                stall): the pc/RIP line's function is a candidate, and
 *                the stack is the one after it;
 *   skip         frames this kind's culprit never is, besides the common
 *                lists (crash_skip_never, crash_skip_generic below).
 *
 * Like console.c this is pure: no I/O, no clock, no allocation.
 */
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/printk.h"
#include "guest/crash.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
/* The longest run a '*' of a pattern matches: a report's first line is
 * short, and a bound keeps a hostile line cheap. */
#define STAR_MAX 256

/* ---- skip lists ---------------------------------------------------------- */

/*
 * Never the culprit: the code that prints a report or takes the trap that
 * leads to it, sanitizer runtimes, interrupt and exception entry.  They
 * are at the top of nearly every stack and say nothing about the bug.
 */
const char *const crash_skip_never[] = {
	/* printing a report */
	"^dump_stack", "^__dump_stack", "^show_stack", "^dump_backtrace", "^walk_stackframe",
	"^arch_stack_walk", "^stack_trace_", "unwind_", "^show_trace_log_lvl", "^show_regs",
	"^__show_regs", "^sched_show_task", "^dump_cpu_task", "^nmi_cpu_backtrace",
	"^nmi_trigger_cpumask_backtrace", "^arch_trigger_cpumask_backtrace", "panic", "^__warn",
	"^warn_slowpath", "^report_bug", "^bug_handler", "^handle_bug", "^print_tainted",
	"^print_modules", "^printk", "^_printk", "^vprintk", "^__printk",
	/* traps and exception entry */
	"^invalid_op", "^do_invalid_op", "^fixup_bug", "^do_error", "^handle_invalid_op", "^exc_",
	"^asm_exc_", "^do_trap", "^do_error_trap", "^die$", "^__die", "^oops_", "^arm64_notify_die",
	"^call_break_hook", "^brk_handler", "^bug_brk_handler", "^do_debug_exception", "^el1_",
	"^el1h_64_", "^el0t_64_", "^el0_", "^do_el0_svc", "^do_mem_abort", "^do_translation_fault",
	"^do_page_fault", "^__do_kernel_fault", "^die_kernel_fault", "^do_tag_check_fault",
	"^do_sea", "^do_bad_area", "^page_fault_oops", "^kernelmode_fixup_or_oops", "^__bad_area",
	"^bad_area", "^handle_page_fault", "^do_user_addr_fault", "^do_kern_addr_fault",
	"^spurious_kernel_fault", "^no_context",
	/* interrupt entry, and the timer interrupt that runs the watchdogs */
	"^sysvec_", "^asm_sysvec_", "^__sysvec_", "^apic_timer_interrupt",
	"^smp_apic_timer_interrupt", "^irq_exit", "^__irq_exit", "^handle_irq", "^generic_handle_",
	"^handle_domain_irq", "^handle_percpu_devid_irq", "^gic_handle_irq", "^call_on_irq_stack",
	"^do_interrupt_handler", "^arch_timer_handler", "^hrtimer_interrupt", "^tick_sched_",
	"^tick_nohz_", "^update_process_times", "^watchdog_timer_fn", "^common_interrupt",
	"^asm_common_interrupt",
	/* sanitizer runtimes, fortify, usercopy checks, kcov */
	"kasan", "__asan", "kmsan", "__msan", "kcsan", "__tsan", "ubsan", "kfence", "__hwasan",
	"^check_memory_region", "^print_address_description", "^print_report", "^describe_object",
	"^object_err", "^print_trailer", "^check_bytes", "^slab_err", "^check_object",
	"^free_debug_processing", "^alloc_debug_processing", "^__check_object_size",
	"^check_heap_object", "^usercopy_abort", "^__fortify", "^fortify_panic", "^__sanitizer_",
	"^write_comp_data", "^check_kcov_mode", "^read_word_at_a_time", "_once_nocheck",
	/* fault injection makes the failure it reports */
	"^should_fail", "^__should_fail", "^should_failslab", "^fail_dump",
	/* allocation failure reports */
	"^warn_alloc",
	/* lockdep and the might_sleep checks reporting */
	"lockdep", "^print_usage_bug", "^print_circular_bug", "^print_deadlock_bug",
	"^print_bad_irq_dependency", "^print_irq_inversion_bug", "^check_noncircular",
	"^check_prev_add", "^check_prevs_add", "^validate_chain", "^__lock_acquire",
	"^lock_acquire", "^lock_release", "^__lock_release", "^mark_lock", "^mark_usage",
	"^mark_held_locks", "^__mark_lock", "^valid_state", "^print_unlock_imbalance_bug",
	"^debug_check_no_locks_freed", "^register_lock_class", "^look_up_lock_class",
	"^lock_is_held", "^__lock_is_held", "^lock_acquired", "^lock_contended",
	"^reacquire_held_locks", "^__might_sleep", "^___might_sleep", "^__might_resched",
	"^might_sleep", "^__might_fault", "^might_fault", "^__cant_sleep",
	"^debug_smp_processor_id", "^check_preemption_disabled", "^__this_cpu_preempt_check",
	"^__schedule_bug", "^schedule_debug",
	/* debug objects, list and page checks: they detect, they are not the bug */
	"^debug_object", "^debug_print_object", "_is_static_object", "^debug_check_no_obj_freed",
	"^__debug_check_no_obj_freed", "^refcount_warn_saturate", "^__list_add_valid",
	"^__list_del_entry_valid", "^__list_valid_slowpath", "^bad_page", "^free_page_is_bad",
	"^check_new_page", "^__dump_page", "^dump_page",
	/* lockdep and irq-state tracing internals */
	"^hlock_class", "^lock_downgrade", "^spin_dump", "seqprop_assert", "^warn_bogus_irq",
	"^trace_hardirqs", "^lockdep_hardirqs", "^preempt_schedule_irq", "^console_unlock",
	"^vprintk_emit", "^console_emit", "^__debug_object", "^__check_heap_object",
	"^usercopy_warn", "^__read_once", "^__write_once",
	/* retpolines and tracing */
	"__x86_indirect_thunk", "^__x86_return_thunk", "^__traceiter", "^perf_trace", NULL
};

/*
 * Generic helpers: allocators, locking primitives, atomics and refcounts,
 * string and user-copy functions, lists and trees, wait and workqueue
 * plumbing.  A bug surfaces in them but lives in their caller; they are
 * named only when a stack has nothing else.
 */
const char *const crash_skip_generic[] = {
	/* allocators */
	"alloc_page", "^__alloc_", "kmalloc", "kzalloc", "kcalloc", "kvmalloc", "kvzalloc",
	"krealloc", "kmem_cache_", "^__kmem_cache", "^slab_", "^__slab_", "^___slab_", "^new_slab",
	"^allocate_slab", "^kmemdup", "^kstrdup", "^kstrndup", "^memdup_user", "^vmemdup_user",
	"^strndup_user", "^kmemleak_alloc", "^vmalloc", "^__vmalloc", "^vzalloc", "^kfree$",
	"^__kfree", "^kfree_", "^kvfree", "^vfree", "^free_pages", "^__free_pages",
	"^__get_free_pages", "^get_zeroed_page", "^folio_alloc", "^__folio_alloc", "^alloc_skb",
	"^__alloc_skb", "^kmalloc_reserve", "^mempool_", "^get_page_from_freelist",
	"^prep_new_page", "^post_alloc_hook", "^free_unref_page", "^__free_one_page",
	"^free_pcppages_bulk", "^page_frag_", "^pcpu_alloc", "^__alloc_percpu", "^slab_free",
	"^do_slab_free", "^__slab_free", "^memcg_slab_",
	/* locking primitives */
	"spin_lock", "spin_unlock", "spin_trylock", "^_raw_", "^__raw_", "^do_raw_",
	"^queued_spin_", "^native_queued_spin", "^__pv_queued", "^mutex_", "^__mutex_", "^rt_mutex",
	"^__rt_mutex", "^down$", "^down_", "^__down", "^up$", "^up_read", "^up_write", "^__up_",
	"^rwsem_", "^__rwsem", "^percpu_down", "^__percpu_down", "^percpu_up", "^percpu_rwsem",
	"read_lock", "write_lock", "read_unlock", "write_unlock", "^osq_lock", "^osq_unlock",
	"^local_bh_", "^__local_bh_", "^rcu_read_lock", "^rcu_read_unlock", "^__rcu_read",
	"^preempt_count_", "^seqcount_", "^lock_timer_base",
	/* atomics, bit operations and reference counts */
	"^atomic_", "^atomic64_", "^arch_atomic", "^__atomic", "^refcount_", "^__refcount_",
	"^kref_", "^set_bit$", "^clear_bit$", "^test_and_set_bit", "^test_and_clear_bit",
	"^cmpxchg", "^__cmpxchg",
	/* memory, string, formatting and user copies */
	"^memcpy", "^__memcpy", "^memmove", "^__memmove", "^memset", "^__memset", "^memcmp",
	"^__memcmp", "^bcmp$", "^memchr", "^strlen$", "^strnlen", "^strcmp$", "^strncmp$",
	"^strcpy$", "^strncpy$", "^strlcpy$", "^strscpy", "^strchr$", "^strrchr$", "^strstr$",
	"^strcat$", "^strncat$", "^sprintf$", "^snprintf$", "^vsnprintf$", "^scnprintf$",
	"^vscnprintf$", "^kasprintf$", "^kvasprintf", "^format_decode", "^string$", "^pointer$",
	"^number$", "^hex_string", "^string_nocheck", "^widen_string", "^copy_to_user",
	"^copy_from_user", "^_copy_", "^__copy_", "^raw_copy_", "^copy_user_", "^__arch_copy",
	"copy_to_iter", "copy_from_iter", "copy_page_to_iter", "copy_page_from_iter",
	"copy_folio_to_iter", "^__get_user", "^__put_user", "^get_user", "^put_user", "^clear_user",
	"^__clear_user", "^strncpy_from_user", "^strnlen_user", "^hex_dump", "^print_hex_dump",
	"^crc32", "^crc16", "^crc_",
	/* lists, trees and tables */
	"^__list_", "^list_", "^hlist_", "^rb_", "^__rb_", "^xa_", "^xas_", "^idr_", "^ida_",
	"^radix_tree", "^rhashtable", "^__rhashtable", "^klist_",
	/* waiting, completions, timers and workqueues */
	"^__wake_up", "^wake_up", "^complete$", "^wait_for_completion", "^__wait_for_common",
	"^wait_for_common", "^do_wait_for_common", "^flush_work", "^__flush_work",
	"^flush_workqueue", "^__flush_workqueue", "^drain_workqueue", "^destroy_workqueue",
	"^cancel_work", "^__cancel_work", "^cancel_delayed_work", "^queue_work", "^__queue_work",
	"^queue_delayed_work", "^__queue_delayed_work", "^insert_work", "^try_to_grab_pending",
	"^del_timer", "^__del_timer", "^timer_delete", "^__timer_delete", "^mod_timer",
	"^__mod_timer", "^add_timer", "^kthread_stop", "^finish_wait", "^prepare_to_wait",
	/* pages and the page cache */
	"^unlock_page", "^folio_unlock", "^lock_page", "^__lock_page", "^folio_lock", "^put_page",
	"^__put_page", "^folio_put", "^__folio_put", "^filemap_alloc_folio", "^__filemap_get_folio",
	"^find_or_create_page", "^pagecache_get_page", "^read_cache_page", "^do_read_cache_",
	"^grab_cache_page", "^find_lock_entries", "^truncate_inode_pages", "^__set_page_owner",
	"^set_page_owner", "^__phys_addr", "^__virt_to_phys", "^phys_addr",
	/* the device model, USB and net device plumbing drivers call into */
	"^device_add$", "^device_del$", "^device_unregister", "^device_destroy",
	"^device_for_each_child", "^device_remove_file", "^dpm_sysfs_", "^sysfs_remove",
	"^sysfs_create", "^__kobject_del", "^add_uevent_var", "^hwrng_unregister",
	"^i2c_del_adapter", "^tty_unregister_device", "^unregister_netdev", "^rollback_registered",
	"^usb_kill_urb", "^usb_kill_anchored_urbs", "^usb_control_msg", "^usb_submit_urb",
	"^usb_hcd_submit_urb", "^usb_start_wait_urb", "^usb_bulk_msg", "^usb_interrupt_msg",
	"^kthread_park",
	/* timers, printing helpers, file system plumbing, ref trackers */
	"^__try_to_del_timer_sync", "^try_to_del_timer_sync", "^del_timer_sync",
	"^__timer_delete_sync", "^sk_stop_timer", "^hrtimer_cancel", "^setup_object",
	"dec_and_lock", "^va_format", "^dev_vprintk_emit", "^dev_printk_emit", "^__dev_printk",
	"^_dev_", "^dev_err$", "^dev_warn$", "^dev_info$", "^strnstr", "^strsep", "^drop_nlink",
	"^mark_buffer_dirty", "^fast_dput", "^ref_tracker", "^cleanup_srcu_struct", "assertfail",
	"^full_proxy_",
	/* object release paths */
	"^kobject_", "^kobj_", "^put_device", "^get_device", "^device_release", "^devres_release",
	"^iput$", "^iput_final", "^dput$", "^__dput", "^kfree_skb", "^__kfree_skb", "^consume_skb",
	"^skb_release", "^skb_free_head", NULL
};

/* Where a stalled CPU's loop is entered: system calls, work items, timers,
 * softirqs, kthreads, the file and socket operations that dispatch to a
 * driver.  The stall's culprit is the frame right above the first of them. */
const char *const crash_stall_entries[] = {
	/* system calls */
	"do_syscall_", "^x64_sys_call", "^invoke_syscall", "^el0_svc_common", "^do_fast_syscall",
	"^ret_fast_syscall", "^entry_SYSCALL", "^sysenter_dispatch", "^tracesys",
	/* work items, timers, softirqs, kthreads, CPU bring-up */
	"^process_one_work", "^worker_thread", "^kthread$", "^smpboot_thread_fn", "^ret_from_fork",
	"^call_timer_fn", "^expire_timers", "_run_timers", "^run_timer_softirq", "do_softirq",
	"^handle_softirqs", "^run_ksoftirqd", "^tasklet_action", "^tasklet_hi_action",
	"hrtimer_run", "^cpu_startup_entry", "^do_idle", "^start_secondary",
	"^secondary_start_kernel",
	/* returning to user space */
	"^task_work_run", "exit_to_user", "exit_to_usermode", "^__fput",
	/* file, block and socket operations that dispatch to a driver */
	"vfs_write", "vfs_read", "vfs_ioctl", "vfs_iter_read", "vfs_iter_write", "do_iter_read",
	"do_iter_write", "do_iter_readv_writev", "new_sync_read", "new_sync_write",
	"call_read_iter", "call_write_iter", "^ksys_ioctl", "compat_ioctl", "blkdev_ioctl",
	"blkdev_driver_ioctl", "^call_mmap", "mmap_region", "^do_mmap", "do_dentry_open",
	"^vfs_open", "^sock_sendmsg", "^__sock_sendmsg", "^sock_recvmsg", "^sock_write_iter",
	"^sock_read_iter", "^sock_release", "^__sock_release", "^sock_do_ioctl", "^sock_ioctl",
	"^compat_sock_ioctl", "^sock_mmap", "kernel_setsockopt", "sock_common_setsockopt",
	"^setsockopt$", "^kernel_listen", "^kernel_accept", "^sk_common_release",
	"^nfnetlink_rcv_msg", "^rtnetlink_rcv_msg", "^netlink_dump", "netif_receive_skb",
	/* page faults */
	"^__do_fault", "^do_page_fault$", "^page_fault$", "smp_call_function", NULL
};

/* What a blocked task's stack waits in: the scheduler, sleeping locks,
 * completions, grace periods.  The hang's culprit is the first frame that
 * is none of these. */
const char *const crash_hang_waits[] = { "sched", "switch_to", "context_switch", "_lock",
	"lock_acquire", "down", "rwsem", "mutex", "wait", "completion", "kthread", "synchronize",
	"rcu_barrier", "flush_", "cancel_", "lock_page", "folio_lock", "rt_spin", "io_schedule",
	"freezer", NULL };

/* ---- the skip lists of single kinds ----------------------------------------- */

static const char *const skip_hyp[] = { "hyp_panic", "^hyp_", NULL };
static const char *const skip_free[] = { "kfree", "vfree", "^vunmap", "^slab_", "kmem_cache_free",
	"^__free_pages", "^free_pages", NULL };
static const char *const skip_kmsan[] = { "^alloc_skb", "^netlink_ack", "^netlink_rcv_skb",
	"_encrypt$", "^crypto_", "^cipher_", "^drbg_", "^rng_", NULL };
static const char *const skip_ubsan[] = { "overflow", NULL };
static const char *const skip_skb[] = { "^skb_", "^__skb_", "^pskb_", NULL };
static const char *const skip_usercopy[] = { "usercopy", "^__check_", "^check_", NULL };
static const char *const skip_spinlock[] = { "spin_", "_lock", "_unlock", NULL };
static const char *const skip_schedule[] = { "schedule", NULL };
static const char *const skip_preempt[] = { "preempt", "processor_id", "this_cpu", "debug_smp",
	NULL };
static const char *const skip_page[] = { "free_page", "put_page", "get_page", "release_page",
	"free_unref", "^_*folio", "truncate_inode_pages", "^page_", "alloc", "^__put_", NULL };
static const char *const skip_rcu[] = { "rcu", "^kmem_", "^slab", NULL };
static const char *const skip_key[] = { "^stack_", "lock", "^lockdep_init", NULL };
static const char *const skip_odebug[] = { "^debug_", "rcu", "hrtimer_", "timer_", "work_",
	"^percpu_", "vunmap", "vfree", "^__free_", "^kobject_", NULL };
static const char *const skip_refcount[] = { "refcount", "^kobject_", NULL };
static const char *const skip_kobject[] = { "kobject_", NULL };
static const char *const skip_proc[] = { "^proc_", NULL };
static const char *const skip_kmalloc[] = { "kmalloc", "krealloc", "slab", "kmem", NULL };
static const char *const skip_sock[] = { "^lock_sock", "^release_sock", NULL };
static const char *const skip_stack[] = { "stack_chk", "^bad_stack", "^handle_bad_stack",
	"^__bad_stack", "schedule", NULL };
static const char *const skip_urb[] = { "^usb_submit_urb", "^usb_start_wait_urb", "^usb_bulk_msg",
	"^usb_interrupt_msg", "^usb_control_msg", NULL };
static const char *const skip_leak[] = { "kmemleak", "^create_object", "^mmap_", "alloc", "^kmem",
	"^slab", "^idr_get", "^list_lru_init", "strdup", "strndup", "memdup", "^pcpu_create",
	NULL };

/* ---- the rules ------------------------------------------------------------------ */

#define IN_FRAME " in {frame}"

/* First match wins: the narrow rule of a kind comes before its broad one. */
static const struct crash_rule crash_rules[] = {
	/* pKVM's hypervisor (EL2): nvhe_hyp_panic_handler() prints one of
	 * three lines, maybe the hyp's own stack, then panics. */
	{ .match = "nVHE hyp BUG at: %f!",
	    .kind = CRASH_HYP,
	    .fatal = true,
	    .title = "nVHE hyp BUG" IN_FRAME,
	    .bare = "nVHE hyp BUG at {1}",
	    .culprit = CULPRIT_TOP,
	    .trace = "nVHE call trace:",
	    .skip = skip_hyp },
	{ .match = "nVHE hyp BUG at: ",
	    .kind = CRASH_HYP,
	    .fatal = true,
	    .title = "nVHE hyp BUG" IN_FRAME,
	    .bare = "nVHE hyp BUG",
	    .culprit = CULPRIT_TOP,
	    .trace = "nVHE call trace:",
	    .skip = skip_hyp },
	{ .match = "nVHE hyp panic at: ",
	    .kind = CRASH_HYP,
	    .fatal = true,
	    .title = "nVHE hyp panic" IN_FRAME,
	    .bare = "nVHE hyp panic",
	    .culprit = CULPRIT_TOP,
	    .trace = "nVHE call trace:",
	    .skip = skip_hyp },
	{ .match = "Invalid host exception to nVHE hyp",
	    .kind = CRASH_HYP,
	    .fatal = true,
	    .title = "Invalid host exception to nVHE hyp" },
	{ .match = "Kernel panic - not syncing: HYP panic",
	    .kind = CRASH_HYP,
	    .fatal = true,
	    .joins = true,
	    .title = "kernel panic: HYP panic" },

	/* Panics.  On their own they are the report; after an Oops or a
	 * WARNING (panic_on_warn) they are its last part. */
	{ .match = "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ",
	    .kind = CRASH_PANIC,
	    .fatal = true,
	    .joins = true,
	    .title = "kernel panic: stack is corrupted" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_stack },
	{ .match = "Kernel panic - not syncing: corrupted stack end detected inside scheduler",
	    .kind = CRASH_PANIC,
	    .fatal = true,
	    .joins = true,
	    .title = "kernel panic: corrupted stack end" IN_FRAME,
	    .culprit = CULPRIT_STALL,
	    .pc = true,
	    .skip = skip_stack },
	{ .match = "Kernel panic - not syncing: kernel stack overflow",
	    .kind = CRASH_PANIC,
	    .fatal = true,
	    .joins = true,
	    .title = "kernel stack overflow" IN_FRAME,
	    .culprit = CULPRIT_STALL,
	    .pc = true,
	    .skip = skip_stack },
	/* The panic of an Oops whose first lines were lost. */
	{ .match = "Kernel panic - not syncing: Fatal exception",
	    .kind = CRASH_PANIC,
	    .fatal = true,
	    .joins = true,
	    .title = "kernel panic: Fatal exception" },
	{ .match = "Kernel panic - not syncing: Attempted to kill init!",
	    .kind = CRASH_PANIC,
	    .fatal = true,
	    .joins = true,
	    .title = "kernel panic: Attempted to kill init!" },
	{ .match = "Kernel panic - not syncing: *",
	    .kind = CRASH_PANIC,
	    .fatal = true,
	    .joins = true,
	    .title = "kernel panic: {1}" },

	/* Sanitizers: KASAN, KMSAN, KCSAN, KFENCE, UBSAN frame their reports
	 * with "=====" lines. */
	{ .match = "BUG: KASAN: double-free",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .end = END_FRAMED,
	    .title = "KASAN: invalid-free" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_free },
	{ .match = "BUG: KASAN: invalid-free",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .end = END_FRAMED,
	    .title = "KASAN: invalid-free" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_free },
	{ .match = "BUG: KASAN: * in ",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .end = END_FRAMED,
	    .title = "KASAN: {1}{access}" IN_FRAME,
	    .culprit = CULPRIT_TOP },
	{ .match = "BUG: KASAN: * on address",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .end = END_FRAMED,
	    .title = "KASAN: {1}{access}" },
	{ .match = "BUG: KASAN: *",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .end = END_FRAMED,
	    .title = "KASAN: {1}" },
	{ .match = "BUG: KMSAN: * in ",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .end = END_FRAMED,
	    .title = "KMSAN: {1}" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_kmsan },
	{ .match = "BUG: KCSAN: *",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .end = END_FRAMED,
	    .title = "KCSAN: {1}" },
	{ .match = "BUG: KFENCE: * in ",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .end = END_FRAMED,
	    .title = "KFENCE: {1}" IN_FRAME,
	    .culprit = CULPRIT_TOP },
	{ .match = "UBSAN: Undefined behaviour in",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .end = END_FRAMED,
	    .title = "UBSAN: undefined-behaviour" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_ubsan },
	{ .match = "UBSAN: * in ",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .end = END_FRAMED,
	    .title = "UBSAN: {1}" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_ubsan },

	/* Bad memory accesses: x86's "BUG: ..." and arm64's "Unable to
	 * handle kernel ..." get the same titles. */
	{ .match = "BUG: unable to handle page fault for address",
	    .kind = CRASH_PAGING,
	    .fatal = true,
	    .title = "BUG: unable to handle kernel paging request" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "BUG: unable to handle kernel paging request",
	    .kind = CRASH_PAGING,
	    .fatal = true,
	    .title = "BUG: unable to handle kernel paging request" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "BUG: kernel NULL pointer dereference",
	    .kind = CRASH_PAGING,
	    .fatal = true,
	    .title = "BUG: unable to handle kernel NULL pointer dereference" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "BUG: unable to handle kernel NULL pointer dereference",
	    .kind = CRASH_PAGING,
	    .fatal = true,
	    .title = "BUG: unable to handle kernel NULL pointer dereference" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "BUG: unable to handle kernel ",
	    .kind = CRASH_PAGING,
	    .fatal = true,
	    .title = "BUG: unable to handle kernel" },
	{ .match = "Unable to handle kernel access to user memory",
	    .kind = CRASH_PAGING,
	    .fatal = true,
	    .title = "BUG: unable to handle kernel access to user memory" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "Unable to handle kernel * at virtual address",
	    .kind = CRASH_PAGING,
	    .fatal = true,
	    .title = "BUG: unable to handle kernel {1}" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },

	/* Faults and the Oops line.  x86 since 6.9 puts "Oops: " before the
	 * fault's name; crash_rule_find() looks past it. */
	{ .match = "general protection fault* [#%d]",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .title = "general protection fault" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "segment-related general protection fault* [#%d]",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .title = "general protection fault" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "divide error: * [#%d]",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .title = "divide error" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "divide_error: * [#%d]",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .title = "divide error" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "stack segment: * [#%d]",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .title = "stack segment fault" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "int3: * [#%d]",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .title = "int3" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "PANIC: double fault",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .joins = true,
	    .title = "PANIC: double fault" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "invalid opcode: * [#%d]",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .joins = true,
	    .title = "invalid opcode" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "Internal error: * [#%d]",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .joins = true,
	    .title = "Internal error" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "Oops: * [#%d]",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .joins = true,
	    .title = "Oops" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "Oops - * [#%d]",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .joins = true,
	    .title = "Oops" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "Unhandled fault: * at 0x",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .title = "Unhandled fault" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "Bad mode in * handler detected",
	    .kind = CRASH_OOPS,
	    .fatal = true,
	    .title = "bad mode" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "Insufficient stack space to handle exception!",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "kernel stack overflow" IN_FRAME,
	    .culprit = CULPRIT_STALL,
	    .pc = true,
	    .skip = skip_stack },
	/* An asynchronous abort: the pc is wherever the CPU was. */
	{ .match = "SError Interrupt on CPU",
	    .kind = CRASH_SERROR,
	    .fatal = true,
	    .title = "SError Interrupt" },

	/* BUG() and the checks built on it. */
	{ .match = "kernel BUG at lib/list_debug.c",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: corrupted list" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "kernel BUG at mm/usercopy.c",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: bad usercopy" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true,
	    .skip = skip_usercopy },
	{ .match = "kernel BUG at ",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "kernel BUG" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true,
	    .skip = skip_skb },

	/* Lockups and stalls. */
	{ .match = "BUG: soft lockup",
	    .kind = CRASH_LOCKUP,
	    .fatal = true,
	    .title = "BUG: soft lockup" IN_FRAME,
	    .culprit = CULPRIT_STALL,
	    .pc = true },
	{ .match = "Watchdog detected hard LOCKUP on cpu",
	    .kind = CRASH_LOCKUP,
	    .fatal = true,
	    .title = "Watchdog detected hard LOCKUP" IN_FRAME,
	    .culprit = CULPRIT_STALL,
	    .pc = true },
	{ .match = "BUG: workqueue lockup",
	    .kind = CRASH_LOCKUP,
	    .fatal = true,
	    .title = "BUG: workqueue lockup" },
	{ .match = "INFO: rcu_*detected*stall",
	    .kind = CRASH_RCU_STALL,
	    .fatal = true,
	    .title = "INFO: rcu detected stall" IN_FRAME,
	    .culprit = CULPRIT_INTERRUPTED,
	    .pc = true,
	    .skip = skip_rcu },
	{ .match = "INFO: task * blocked *for more than %d seconds",
	    .kind = CRASH_HUNG_TASK,
	    .fatal = true,
	    .title = "INFO: task hung" IN_FRAME,
	    .culprit = CULPRIT_HANG },
	{ .match = "INFO: task * can't die for more than ",
	    .kind = CRASH_HUNG_TASK,
	    .fatal = true,
	    .title = "INFO: task can't die" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_schedule },

	/* Other BUG: reports, each in the kernel's own words. */
	{ .match = "BUG: spinlock * on CPU#",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: spinlock {1}" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_spinlock },
	{ .match = "BUG: rwlock * on CPU#",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: rwlock {1}" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_spinlock },
	{ .match = "BUG: scheduling while atomic",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: scheduling while atomic" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_schedule },
	{ .match = "BUG: sleeping function called from invalid context",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: sleeping function called from invalid context" IN_FRAME,
	    .culprit = CULPRIT_TOP },
	{ .match = "BUG: using * in preemptible",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: using {1} in preemptible code" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_preempt },
	{ .match = "BUG: Bad page state",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Bad page state" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_page },
	{ .match = "BUG: Bad page map",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Bad page map" },
	{ .match = "BUG: Bad page cache",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Bad page cache" },
	{ .match = "BUG: Bad rss-counter state",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Bad rss-counter state" },
	{ .match = "BUG: non-zero pgtables_bytes on freeing mm",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: non-zero pgtables_bytes on freeing mm" },
	{ .match = "BUG: *stack guard page was hit at",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: stack guard page was hit" IN_FRAME,
	    .culprit = CULPRIT_STALL,
	    .pc = true,
	    .skip = skip_stack },
	{ .match = "BUG: workqueue leaked lock or atomic",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: workqueue leaked lock or atomic" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "last function: " },
	{ .match = "BUG: Dentry * still in use",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Dentry still in use" IN_FRAME,
	    .culprit = CULPRIT_TOP },
	/* SLUB's debugging checks: "BUG kmalloc-64 (Not tainted): Poison overwritten". */
	{ .match = "BUG * (*): Object already free",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Object already free" },
	{ .match = "BUG * (*): Poison overwritten",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Poison overwritten" },
	/* Since 5.13 a redzone is named by its side: "Left Redzone", "Right
	 * Redzone"; the title stays the one of every kernel. */
	{ .match = "BUG * (*): *Redzone overwritten",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Redzone overwritten" },
	{ .match = "BUG * (*): Freechain corrupt",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Freechain corrupt" },
	/* A double free caught by the slab's object count. */
	{ .match = "BUG * (*): Slab has %d allocated objects but %d are to be freed",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Slab has fewer allocated objects than are to be freed" },
	{ .match = "BUG * (*): Freepointer corrupt",
	    .kind = CRASH_BUG,
	    .fatal = true,
	    .title = "BUG: Freepointer corrupt" },

	/* Lockdep: its reports print as "BUG:", "WARNING:" or (older
	 * kernels) "INFO:"; the deadlock is named where the lock is taken. */
	{ .match = "BUG: held lock freed!",
	    .kind = CRASH_LOCKDEP,
	    .title = "BUG: held lock freed" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "BUG: bad unlock balance detected!",
	    .kind = CRASH_LOCKDEP,
	    .title = "BUG: bad unlock balance" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at:" },
	{ .match = "BUG: *still has locks held!",
	    .kind = CRASH_LOCKDEP,
	    .title = "BUG: still has locks held" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "BUG: lock held when returning to user space",
	    .kind = CRASH_LOCKDEP,
	    .title = "BUG: lock held when returning to user space" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "BUG: MAX_* too low!", .kind = CRASH_LOCKDEP, .title = "BUG: MAX_{1} too low!" },
	{ .match = "BUG: Invalid wait context",
	    .kind = CRASH_LOCKDEP,
	    .title = "WARNING: locking bug" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_sock },
	{ .match = "WARNING: possible circular locking dependency detected",
	    .kind = CRASH_LOCKDEP,
	    .title = "possible deadlock" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "INFO: possible circular locking dependency detected",
	    .kind = CRASH_LOCKDEP,
	    .title = "possible deadlock" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "WARNING: possible recursive locking detected",
	    .kind = CRASH_LOCKDEP,
	    .title = "possible deadlock" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "INFO: possible recursive locking detected",
	    .kind = CRASH_LOCKDEP,
	    .title = "possible deadlock" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "WARNING: possible irq lock inversion dependency detected",
	    .kind = CRASH_LOCKDEP,
	    .title = "possible deadlock" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "INFO: possible irq lock inversion dependency detected",
	    .kind = CRASH_LOCKDEP,
	    .title = "possible deadlock" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "WARNING: *-safe -> *-unsafe lock order detected",
	    .kind = CRASH_LOCKDEP,
	    .title = "possible deadlock" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .trace = "... which became" },
	{ .match = "INFO: *-safe -> *-unsafe lock order detected",
	    .kind = CRASH_LOCKDEP,
	    .title = "possible deadlock" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .trace = "... which became" },
	{ .match = "WARNING: inconsistent lock state",
	    .kind = CRASH_LOCKDEP,
	    .title = "inconsistent lock state" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .trace = "stack backtrace:" },
	{ .match = "INFO: inconsistent lock state",
	    .kind = CRASH_LOCKDEP,
	    .title = "inconsistent lock state" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .trace = "stack backtrace:" },
	{ .match = "WARNING: suspicious RCU usage",
	    .kind = CRASH_LOCKDEP,
	    .title = "WARNING: suspicious RCU usage" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_rcu },
	{ .match = "INFO: suspicious RCU usage",
	    .kind = CRASH_LOCKDEP,
	    .title = "INFO: suspicious RCU usage" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_rcu },
	{ .match = "INFO: trying to register non-static key",
	    .kind = CRASH_LOCKDEP,
	    .title = "INFO: trying to register non-static key" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_key },
	{ .match = "WARNING: bad unlock balance detected!",
	    .kind = CRASH_LOCKDEP,
	    .title = "WARNING: bad unlock balance" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at:" },
	{ .match = "WARNING: held lock freed!",
	    .kind = CRASH_LOCKDEP,
	    .title = "WARNING: held lock freed" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "WARNING: Nested lock was not taken",
	    .kind = CRASH_LOCKDEP,
	    .title = "WARNING: nested lock was not taken" IN_FRAME,
	    .culprit = CULPRIT_TOP },
	{ .match = "WARNING: lock held when returning to user space",
	    .kind = CRASH_LOCKDEP,
	    .title = "WARNING: lock held when returning to user space" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "WARNING: *still has locks held!",
	    .kind = CRASH_LOCKDEP,
	    .title = "WARNING: still has locks held" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .lead = "at: " },
	{ .match = "WARNING: *kernel/locking/lockdep.c:%d ",
	    .kind = CRASH_LOCKDEP,
	    .title = "WARNING: locking bug" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true,
	    .skip = skip_sock },

	/* WARNING splats raised by a checker get the checker's name. */
	{ .match = "WARNING: *lib/debugobjects.c:%d ",
	    .kind = CRASH_WARNING,
	    .title = "WARNING: ODEBUG bug" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true,
	    .skip = skip_odebug },
	{ .match = "WARNING: *lib/refcount.c:%d ",
	    .kind = CRASH_WARNING,
	    .title = "WARNING: refcount bug" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true,
	    .skip = skip_refcount },
	{ .match = "WARNING: *mm/usercopy.c:%d ",
	    .kind = CRASH_WARNING,
	    .title = "WARNING: bad usercopy" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true,
	    .skip = skip_usercopy },
	{ .match = "WARNING: *lib/kobject.c:%d ",
	    .kind = CRASH_WARNING,
	    .title = "WARNING: kobject bug" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true,
	    .skip = skip_kobject },
	{ .match = "WARNING: *fs/proc/generic.c:%d ",
	    .kind = CRASH_WARNING,
	    .title = "WARNING: proc registration bug" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true,
	    .skip = skip_proc },
	{ .match = "WARNING: *mm/vmalloc.c:%d *__vmalloc_node",
	    .kind = CRASH_WARNING,
	    .title = "WARNING: zero-size vmalloc" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "WARNING: *mm/*.c:%d *malloc",
	    .kind = CRASH_WARNING,
	    .title = "WARNING: kmalloc bug" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true,
	    .skip = skip_kmalloc },
	/* A driver submitting a bad URB: the driver is the bug. */
	{ .match = "WARNING: *drivers/usb/core/urb.c:%d usb_submit_urb",
	    .kind = CRASH_WARNING,
	    .title = "WARNING in {frame}/usb_submit_urb",
	    .culprit = CULPRIT_TOP,
	    .pc = true,
	    .skip = skip_urb },
	/* The splat itself, in the forms kernels have printed it. */
	{ .match = "WARNING: CPU: %d PID: %d at ",
	    .kind = CRASH_WARNING,
	    .title = "WARNING" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "WARNING: %f at ",
	    .kind = CRASH_WARNING,
	    .title = "WARNING" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "WARNING: [*] %f at ",
	    .kind = CRASH_WARNING,
	    .title = "WARNING" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "WARNING: at %f ",
	    .kind = CRASH_WARNING,
	    .title = "WARNING" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .pc = true },
	{ .match = "WARNING: kernel stack regs at * has bad '*' value",
	    .kind = CRASH_WARNING,
	    .title = "WARNING: kernel stack regs has bad '{2}' value" },
	{ .match = "WARNING: kernel stack frame pointer at * has bad value",
	    .kind = CRASH_WARNING,
	    .title = "WARNING: kernel stack frame pointer has bad value" },

	/* kmemleak's report of one object, on the console or read from
	 * /sys/kernel/debug/kmemleak. */
	{ .match = "unreferenced object 0x",
	    .kind = CRASH_MEMORY_LEAK,
	    .title = "memory leak" IN_FRAME,
	    .culprit = CULPRIT_TOP,
	    .skip = skip_leak },

	/* A reboot nobody asked for: init powers off, it never reboots. */
	{ .match = "reboot: Restarting system",
	    .kind = CRASH_REBOOT,
	    .fatal = true,
	    .end = END_LINE,
	    .title = "unexpected kernel reboot" },
	{ .match = "Booting Linux on physical CPU",
	    .kind = CRASH_REBOOT,
	    .fatal = true,
	    .after_boot = true,
	    .end = END_LINE,
	    .title = "unexpected kernel reboot" },
	/* /proc/version reads the same: only the kernel's own line counts. */
	{ .match = "Linux version %d.",
	    .kind = CRASH_REBOOT,
	    .fatal = true,
	    .after_boot = true,
	    .printk = true,
	    .end = END_LINE,
	    .title = "unexpected kernel reboot" },
	{ .match = "Booting the kernel",
	    .kind = CRASH_REBOOT,
	    .fatal = true,
	    .after_boot = true,
	    .end = END_LINE,
	    .title = "unexpected kernel reboot" },
};

/* ---- patterns ------------------------------------------------------------- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
	    c == '-' || c == '.' || c == '/';
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Past a "path/file.c:123" source location at S, or NULL. */
static const char *
skip_file(const char *s)
{
	const char *p = s, *colon;

	while (is_path_char(*p))
		p++;
	colon = p;
	if (*p != ':' || memchr(s, '.', (size_t)(colon - s)) == NULL || !is_digit(p[1]))
		return NULL;
	for (p++; is_digit(*p);)
		p++;
	return p;
}

/*
 * Does the segment [PAT, PAT+LEN) of a pattern -- text, "%d" and "%f", no
 * '*' -- match at S?  Where it ends in *END; its "%f" captures go to C.
 */
static bool
segment_at(const char *pat, size_t len, const char *s, const char **end, struct crash_captures *c)
{
	const char *pe = pat + len;

	while (pat < pe) {
		if (pat[0] == '%' && pat + 1 < pe && pat[1] == 'd') {
			if (!is_digit(*s))
				return false;
			while (is_digit(*s))
				s++;
			pat += 2;
		} else if (pat[0] == '%' && pat + 1 < pe && pat[1] == 'f') {
			const char *e = skip_file(s);

			if (e == NULL || c->n >= CRASH_CAPTURES_MAX)
				return false;
			c->at[c->n] = s;
			c->len[c->n] = (size_t)(e - s);
			c->file[c->n++] = true;
			s = e;
			pat += 2;
		} else if (*pat++ != *s++) {
			return false;
		}
	}
	*end = s;
	return true;
}

/*
 * Does PAT match the start of S?  Its '*' and "%f" captures go to C.
 *
 * A pattern is segments joined by '*'.  Each '*' takes the shortest run
 * after which the next segment matches: placing every segment leftmost
 * finds a match whenever there is one, so no '*' is ever tried again, and
 * a run is at most STAR_MAX characters.  Guests print what they like: the
 * cost stays linear in the line for any pattern.
 */
static bool
match_at(const char *pat, const char *s, struct crash_captures *c)
{
	c->n = 0;
	while (*pat != '\0') {
		size_t len;
		const char *end, *t;

		if (*pat != '*') {
			len = strcspn(pat, "*");
			if (!segment_at(pat, len, s, &end, c))
				return false;
			s = end;
			pat += len;
			continue;
		}
		if (c->n >= CRASH_CAPTURES_MAX)
			return false;
		int k = c->n++;
		c->at[k] = s;
		c->file[k] = false;
		if (*++pat == '\0') {
			c->len[k] = strlen(s);
			return true;
		}
		len = strcspn(pat, "*");
		for (t = s;; t++) {
			int n = c->n;

			if (segment_at(pat, len, t, &end, c))
				break;
			c->n = n;
			if (*t == '\0' || t - s >= STAR_MAX)
				return false;
		}
		c->len[k] = (size_t)(t - s);
		s = end;
		pat += len;
	}
	return true;
}

/*
 * The rules by the first character of their pattern, each character's in
 * table order: a rule can only match a message that starts with its
 * pattern's first character, and every console line is looked up (once
 * per printk prefix in it), so a line tries a handful of rules, not all.
 */
static uint8_t rules_by_first[N_ELEMS(crash_rules)];
static uint8_t rules_first_start[UCHAR_MAX + 2];
static pthread_once_t rules_once = PTHREAD_ONCE_INIT;

static void
rules_index(void)
{
	size_t i, n[UCHAR_MAX + 1] = { 0 };

	_Static_assert(N_ELEMS(crash_rules) <= UINT8_MAX, "rule indices are bytes");
	for (i = 0; i < N_ELEMS(crash_rules); i++)
		n[(unsigned char)crash_rules[i].match[0]]++;
	for (i = 0; i <= UCHAR_MAX; i++)
		rules_first_start[i + 1] = (uint8_t)(rules_first_start[i] + n[i]);
	memset(n, 0, sizeof(n));
	for (i = 0; i < N_ELEMS(crash_rules); i++) {
		unsigned char c = (unsigned char)crash_rules[i].match[0];

		rules_by_first[rules_first_start[c] + n[c]++] = (uint8_t)i;
	}
}

/* The rule whose pattern starts M and whose conditions S meets. */
static const struct crash_rule *
find_at(const char *m, struct crash_line_state st, struct crash_captures *caps)
{
	unsigned char c = (unsigned char)*m;

	pthread_once(&rules_once, rules_index);
	for (size_t k = rules_first_start[c]; k < rules_first_start[c + 1]; k++) {
		const struct crash_rule *r = &crash_rules[rules_by_first[k]];

		if ((r->after_boot && !st.booted) || (r->printk && !st.printk))
			continue;
		caps->n = 0;
		if (match_at(r->match, m, caps))
			return r;
	}
	return NULL;
}

const struct crash_rule *
crash_rule_find(const char *m, struct crash_line_state st, struct crash_captures *caps)
{
	const struct crash_rule *r;

	/* x86's die() has put "Oops: " before the fault's own name since
	 * 6.9: "Oops: general protection fault, ...". */
	if (starts_with(m, "Oops: ") && (r = find_at(m + 6, st, caps)) != NULL &&
	    strcmp(r->match, "Oops: * [#%d]") != 0)
		return r;
	return find_at(m, st, caps);
}

bool
crash_skip_match(const char *const *skip, const char *name, size_t len)
{
	size_t i;

	for (i = 0; skip != NULL && skip[i] != NULL; i++) {
		const char *e = skip[i];
		bool head = e[0] == '^';
		size_t n = strlen(e) - head;
		bool tail = n > 0 && e[head + n - 1] == '$';

		e += head;
		n -= tail;
		if (n > len)
			continue;
		if (head && tail) {
			if (n == len && memcmp(name, e, n) == 0)
				return true;
		} else if (head) {
			if (memcmp(name, e, n) == 0)
				return true;
		} else if (tail) {
			if (memcmp(name + len - n, e, n) == 0)
				return true;
		} else if (memmem(name, len, e, n) != NULL) {
			/* memmem() rather than a memcmp() per offset: a frame
			 * name is checked against hundreds of these. */
			return true;
		}
	}
	return false;
}

/* ---- messages ------------------------------------------------------------- */

/*
 * Skip the subsystem prefixes that precede some report lines: kvm_err()'s
 * "kvm [PID]: ", "rcu: ", the lockup watchdogs' and kmemleak's.
 */
static const char *
skip_subsystem(const char *s)
{
	static const char *const plain[] = { "rcu: ", "watchdog: ", "NMI watchdog: ",
		"kmemleak: " };
	size_t i;

	/* Most messages start with none of them: one look at the first
	 * letter, not five string compares, on every console line. */
	if (*s != 'k' && *s != 'r' && *s != 'w' && *s != 'N')
		return s;
	if (starts_with(s, "kvm [")) {
		const char *p = s + 5;
		if (is_digit(*p)) {
			while (is_digit(*p))
				p++;
			if (starts_with(p, "]: "))
				return p + 3;
		}
		return s;
	}
	for (i = 0; i < N_ELEMS(plain); i++)
		if (starts_with(s, plain[i]))
			return s + strlen(plain[i]);
	return s;
}

const char *
crash_message_start(const char *s)
{
	const char *p = printk_prefix_skip(s);

	return crash_message_from(p != NULL ? p : s);
}

const char *
crash_message_from(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	/* Lockdep before 4.15 framed its headers: "[ INFO: inconsistent
	 * lock state ]". */
	if (p[0] == '[' && p[1] == ' ' && (p[2] == 'B' || p[2] == 'I' || p[2] == 'W')) {
		size_t n = strlen(p);

		if (n > 4 && p[n - 1] == ']' && p[n - 2] == ' ')
			return p + 2;
	}
	return skip_subsystem(p);
}

/* ---- kinds ---------------------------------------------------------------- */

/* The wire names of the kinds: lower case, words joined by '-'. */
static const char *const kind_names[] = {
	[CRASH_PANIC] = "panic",
	[CRASH_OOPS] = "oops",
	[CRASH_PAGING] = "paging",
	[CRASH_BUG] = "bug",
	[CRASH_WARNING] = "warning",
	[CRASH_HYP] = "hyp",
	[CRASH_SERROR] = "serror",
	[CRASH_LOCKUP] = "lockup",
	[CRASH_RCU_STALL] = "rcu-stall",
	[CRASH_HUNG_TASK] = "hung-task",
	[CRASH_SANITIZER] = "sanitizer",
	[CRASH_LOCKDEP] = "lockdep",
	[CRASH_MEMORY_LEAK] = "memory-leak",
	[CRASH_REBOOT] = "reboot",
};

/* Name of a crash kind; declared in console.h, the API callers use. */
const char *
crash_kind_name(enum crash_kind k)
{
	if ((unsigned)k >= N_ELEMS(kind_names) || kind_names[k] == NULL)
		return "unknown";
	return kind_names[k];
}
