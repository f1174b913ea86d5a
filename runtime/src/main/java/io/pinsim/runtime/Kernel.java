package io.pinsim.runtime;

import io.pinsim.runtime.lockdep.Lockdep;
import io.pinsim.runtime.trace.TraceLevel;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.FrameSnapshot;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.Trace;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.SplittableRandom;

/**
 * One simulated machine: physical memory, processes, swap, the kernel model's switches, the trace,
 * the kernel log and the invariant checker. Every kernel is an island: nothing is shared between
 * kernels, so tests may run in parallel. A kernel is single-threaded: call it from one thread at a
 * time.
 *
 * <pre>{@code
 * Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).seed(42).build();
 * Process a = k.spawn("A");
 * long buf = a.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
 * }</pre>
 *
 * <p>This package is the public API: {@code Kernel}, {@link Process}, {@link Task}, the flags, the
 * errors and the handles. The implementation lives under {@code io.pinsim.runtime.internal}, which
 * is not API; device drivers use {@link io.pinsim.runtime.spi}.
 */
public interface Kernel extends AutoCloseable {
    /** PAGE_SIZE on x86-64. */
    int PAGE_SIZE = 4096;
    /** PAGE_SHIFT on x86-64. */
    int PAGE_SHIFT = 12;
    /** The default hugetlb page size on x86-64 (HPAGE_SIZE, a PMD): 2 MiB. */
    long HUGE_PAGE_2MB = 2L << 20;
    /** The gigantic hugetlb page size on x86-64 (PUD_SIZE, with X86_FEATURE_GBPAGES): 1 GiB. */
    long HUGE_PAGE_1GB = 1L << 30;
    /** TASK_SIZE of x86-64 with 4-level page tables: 128 TiB minus one page. */
    long TASK_SIZE = (1L << 47) - PAGE_SIZE;
    /** Where the model places mappings that do not ask for an address (bottom-up, for readable traces). */
    long MMAP_BASE = 0x7f0000000000L;
    /** vm.mmap_min_addr's usual default: MAP_FIXED below it is EPERM. */
    long MMAP_MIN_ADDR = 65536;
    /** Where the model looks for room when a mapping does not fit above {@link #MMAP_BASE}: 4 GiB. */
    long MMAP_LOW = 0x100000000L;
    /** The default physical memory: 4 GiB of 4 KiB frames. */
    long DEFAULT_FRAMES = 1L << 20;
    /** The default RLIMIT_MEMLOCK: 8 MiB, as systemd sets it since v253 (the kernel default is 8 MiB since 5.16). */
    long DEFAULT_RLIMIT_MEMLOCK = 8L << 20;

    /** A builder with the defaults: {@link KernelModel#LATEST}, seed 0, 4 GiB, invariants on. */
    static Builder builder() {
        return new Builder();
    }

    /** An address as {@code 0x7f0000001000}. */
    static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    /**
     * The settings a kernel is built with.
     *
     * @param model          the kernel model whose behaviour the kernel follows
     * @param seed           the seed that drives every choice the model makes
     * @param memoryFrames   physical memory in 4 KiB frames
     * @param invariants     whether the invariants are checked after every operation
     * @param frameSnapshots how many touched frames each step snapshots (0: none)
     * @param name           the kernel's name in the log, or null for the model's name
     * @param lockdep        whether lockdep records lock dependencies and reports cycles
     * @param trace          which events the kernel's trace keeps
     * @param fullInvariantChecks whether every operation also checks every frame and page table
     * @param thp            the transparent huge page setting
     * @param hugetlbPages   nr_hugepages: the 2 MiB hugetlb pages the pool takes from memory at boot
     * @param hugetlbPages1g the 1 GiB hugetlb pages the gigantic pool takes from memory at boot
     */
    record Config(KernelModel model, long seed, long memoryFrames, boolean invariants, int frameSnapshots, String name, boolean lockdep, TraceLevel trace,
            boolean fullInvariantChecks, TransparentHugepage thp, long hugetlbPages, long hugetlbPages1g) {
    }

    /**
     * Creates kernels: implemented by the runtime's implementation and found with
     * {@link ServiceLoader}, so that this API does not depend on its implementation. Not for users.
     */
    interface Provider {
        /** A new kernel with these settings. */
        Kernel create(Config config);
    }

    /** Builds a {@link Kernel}. */
    final class Builder {
        private static final Provider PROVIDER = ServiceLoader.load(Provider.class, Kernel.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no io.pinsim.runtime.Kernel$Provider found: is pinsim-runtime's META-INF/services on the class path?"));

        private KernelModel model = KernelModel.LATEST;
        private long seed;
        private long frames = DEFAULT_FRAMES;
        private boolean invariants = true;
        private int frameSnapshots;
        private String name;
        private boolean lockdep = true;
        private TraceLevel trace = TraceLevel.ALL;
        private boolean fullInvariantChecks;
        private TransparentHugepage thp = TransparentHugepage.NEVER;
        private long hugetlbPages;
        private long hugetlbPages1g;

        private Builder() {
        }

        /** The kernel model whose behaviour this kernel follows. */
        public Builder model(KernelModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** The seed that drives every choice the model makes; the same seed gives the same trace. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Physical memory, in 4 KiB frames (not counting the zero page). Allocation past it fails with ENOMEM. */
        public Builder memoryFrames(long frames) {
            if (frames < 1) {
                throw new IllegalArgumentException("memoryFrames must be at least 1, was " + frames);
            }
            this.frames = frames;
            return this;
        }

        /**
         * Records, at the end of every step, a {@link FrameSnapshot} of up to this many of the frames
         * the step changed (who maps them, who holds a reference, what they contain), for timelines
         * that show the holdings before and after each step. 0, the default, records none. The cost
         * grows with the frames a step touches, never with the frames mapped.
         */
        public Builder frameSnapshots(int perStep) {
            if (perStep < 0) {
                throw new IllegalArgumentException("frameSnapshots must be 0 (off) or more, was " + perStep);
            }
            this.frameSnapshots = perStep;
            return this;
        }

        /** Whether the invariants (the model's CONFIG_DEBUG_VM) are checked after every operation; on by default. */
        public Builder invariants(boolean check) {
            this.invariants = check;
            return this;
        }

        /**
         * Whether the kernel runs lockdep (CONFIG_PROVE_LOCKING): records the lock dependencies of
         * every modelled acquisition and reports a cycle the first time it closes; on by default.
         */
        public Builder lockdep(boolean on) {
            this.lockdep = on;
            return this;
        }

        /**
         * Which events the kernel's trace keeps: {@link TraceLevel#ALL} by default (every decision,
         * what failure reports explain with); {@link TraceLevel#STEPS} keeps one event per step and
         * the errors; {@link TraceLevel#OFF} keeps none, for benchmarks and very large scenarios.
         */
        public Builder trace(TraceLevel level) {
            this.trace = Objects.requireNonNull(level, "level");
            return this;
        }

        /**
         * Whether every operation, besides checking the frames, PTEs and VMAs it changed (the
         * default, whose cost grows with what the operation touched), also checks every frame and
         * every page table, as {@link Kernel#checkInvariants()} and {@link Kernel#close()} do. Off
         * by default; for the model's own tests, which show that the two find the same breaks. Has
         * no effect with {@link #invariants(boolean) invariants(false)}.
         */
        public Builder fullInvariantChecks(boolean everyOperation) {
            this.fullInvariantChecks = everyOperation;
            return this;
        }

        /**
         * The transparent huge page setting (/sys/kernel/mm/transparent_hugepage/enabled):
         * {@link TransparentHugepage#NEVER} by default. With THPs on, a fault in a 2 MiB-aligned
         * range of a private anonymous VMA that covers the whole range maps a compound page with one
         * PMD entry.
         */
        public Builder transparentHugepage(TransparentHugepage setting) {
            this.thp = Objects.requireNonNull(setting, "setting");
            return this;
        }

        /**
         * nr_hugepages: the number of 2 MiB hugetlb pages the pool takes from physical memory when
         * the kernel is built (the {@code hugepages=} boot parameter); 0, the kernel's default, by
         * default. If memory is short the pool gets as many as fit, as set_max_huge_pages() does,
         * and the log says so. {@code mmap(MAP_HUGETLB)} and {@code MAP_HUGE_2MB} reserve and fault
         * pages of this pool; see {@link Kernel#hugePages()}.
         */
        public Builder hugetlbPages(long nr) {
            if (nr < 0) {
                throw new IllegalArgumentException("hugetlbPages must be 0 (no pool) or more, was " + nr);
            }
            this.hugetlbPages = nr;
            return this;
        }

        /**
         * nr_hugepages of the pool of one page size, as the {@code hugepagesz=SIZE hugepages=N} boot
         * parameters or /sys/kernel/mm/hugepages/hugepages-{2048,1048576}kB/nr_hugepages set it:
         * {@link #HUGE_PAGE_2MB} (the same as {@link #hugetlbPages(long)}) or {@link #HUGE_PAGE_1GB}
         * (x86-64 gigantic pages, mapped by one PUD-level entry; {@code MAP_HUGE_1GB},
         * {@code MFD_HUGE_1GB}). If memory is short the pool gets as many as fit.
         *
         * @throws IllegalArgumentException for another page size (x86-64 has hstates of 2 MiB and
         *                                  1 GiB only, arch_hugetlb_valid_size()) or a negative number
         */
        public Builder hugetlbPages(long pageSize, long nr) {
            if (pageSize != HUGE_PAGE_2MB && pageSize != HUGE_PAGE_1GB) {
                throw new IllegalArgumentException("hugetlb page size " + pageSize + " is neither 2 MiB (Kernel.HUGE_PAGE_2MB) nor 1 GiB (Kernel.HUGE_PAGE_1GB),"
                        + " the sizes x86-64 has (arch_hugetlb_valid_size)");
            }
            if (nr < 0) {
                throw new IllegalArgumentException("hugetlbPages must be 0 (no pool) or more, was " + nr);
            }
            if (pageSize == HUGE_PAGE_1GB) {
                this.hugetlbPages1g = nr;
            } else {
                this.hugetlbPages = nr;
            }
            return this;
        }

        /** A name for this kernel in the log; the model's name by default. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("\"" + name + "\" is blank: name the kernel, its log lines carry the name");
            }
            this.name = name;
            return this;
        }

        /** A new kernel with these settings. */
        public Kernel build() {
            return PROVIDER.create(new Config(model, seed, frames, invariants, frameSnapshots, name, lockdep, trace, fullInvariantChecks, thp, hugetlbPages, hugetlbPages1g));
        }
    }

    /** The kernel model this kernel follows. */
    KernelModel model();

    /** The seed this kernel was built with. */
    long seed();

    /** A random source derived from the seed, for the choices a scheduler or device makes. */
    SplittableRandom random();

    /** The trace of every step so far. */
    Trace trace();

    /** The kernel log (dmesg). */
    KernelLog log();

    /** What lockdep recorded and reported (see {@link Builder#lockdep(boolean)}). */
    Lockdep lockdep();

    /** The shared zero page (ZERO_PAGE(0)). */
    Frame zeroPage();

    /**
     * The frame with this pfn if it is allocated, or null.
     *
     * @throws IllegalArgumentException for a negative pfn
     */
    Frame frame(long pfn);

    /** Frames in use (not counting the zero page). */
    long usedFrames();

    /** Frames still free. */
    long freeFrames();

    /** Swap slots in use. */
    long swapSlotsInUse();

    /**
     * Starts a new process with an empty address space (as if exec'd), with one thread.
     *
     * @throws IllegalArgumentException for a blank name (the trace shows the process by it)
     * @throws IllegalStateException    once the kernel is closed
     */
    Process spawn(String processName);

    /**
     * Mounts a new filesystem of this kind, named after it ({@code ext4}, {@code tmpfs},
     * {@code ext4-dax}; a second mount of a kind gets a number: {@code ext4-2}).
     *
     * @throws IllegalArgumentException for {@link FsKind#HUGETLBFS}: hugetlbfs files are made by
     *                                  {@link Process#memfdCreate} with {@link MemfdFlags#HUGETLB}
     */
    Filesystem mount(FsKind kind);

    /**
     * Mounts a filesystem of this kind on a block device (ext4 needs one: its direct I/O goes there;
     * tmpfs and DAX take none).
     */
    Filesystem mount(FsKind kind, BlockDevice device);

    /** The mounted filesystems, in mount order. */
    List<Filesystem> filesystems();

    /** The names of the attached devices, in attach order (see {@link io.pinsim.runtime.spi.DriverContext#attach}). */
    List<String> devices();

    /**
     * The OOM killer picks {@code victim}: SIGKILL, then the OOM reaper unmaps the victim's private
     * memory with non-blockable MMU_NOTIFY_UNMAP invalidations (__oom_reap_task_mm()); a VMA whose
     * notifier refuses is skipped ("oom_reaper: unable to reap"; the kernel retries
     * MAX_OOM_REAP_RETRIES times, which a driver that always refuses refuses as well). Then the
     * victim exits (exit_mmap(), blockable).
     *
     * @return whether the reaper could reap every VMA
     * @throws NullPointerException for a null victim
     */
    boolean oomKill(Process victim);

    /**
     * migrate_vma_setup() / migrate_vma_pages() / migrate_vma_finalize() over the anonymous pages
     * of [address, address + nrPages pages) of a process, on behalf of {@code owner} (a driver):
     * one MMU_NOTIFY_MIGRATE invalidation carrying the owner, so the migrating driver can skip its
     * own; each page that nothing else references moves to a new frame and every PTE follows it; a
     * page with extra references (a pin, a GUP reference) is not migrated (migrate_vma_check_page()).
     * The model migrates into system memory; device-private memory is not modelled. An unaligned
     * address is rounded down to its page, as migrate_vma_setup() does ({@code args->start &= PAGE_MASK}).
     *
     * @return the number of pages migrated (cpages)
     * @throws ErrnoException EINVAL as migrate_vma_setup() returns it: nrPages not positive, no VMA at
     *                        the address, a range that runs past that VMA's end, an fs-DAX or a hugetlb VMA
     * @throws NullPointerException for a null process or owner
     */
    int migrateVma(Process process, long address, int nrPages, Object owner);

    /** Every process ever created, in creation order (including those that exited). */
    List<Process> processes();

    /**
     * The most recently created process with this name.
     *
     * @throws IllegalArgumentException if no process has the name (the message lists the names)
     */
    Process process(String processName);

    /**
     * Kernel-internal: memory pressure makes reclaim pick the page mapped at {@code address} in
     * {@code process} (shrink_page_list() on that one page). What happens follows the model:
     * an anonymous page goes to the swap cache and is unmapped, unless it may be pinned and the
     * model skips pinned pages (feb889fb40fa); it is freed only if nothing else holds it. Then the
     * shrinkers run, as shrink_node() runs shrink_slab() after the LRU: the deferred split shrinker
     * splits the partly unmapped THPs it can ({@link #deferredSplitScan()}).
     *
     * @return true if the page was unmapped
     * @throws NullPointerException for a null process
     */
    boolean reclaim(Process process, long address);

    /**
     * {@link #reclaim} as steps to interleave with other operations: trylock_page() and the checks,
     * try_to_unmap_one() per PTE, pageout() and __remove_mapping() ({@link ReclaimSteps}).
     *
     * @throws NullPointerException for a null process
     */
    ReclaimSteps reclaimSteps(Process process, long address);

    /**
     * Memory pressure runs the deferred split shrinker, deferred_split_scan() (9a982250f773, 4.5):
     * every THP on the deferred split queue (a THP some of whose pages lost their last mapping
     * while others stay mapped) is split with split_huge_page(), in queue order, and its pages that
     * nothing maps are freed; a THP that something references beyond its mappings (a pin, a GUP
     * reference) or whose lock is held cannot be split and stays queued with all its frames.
     * {@link #reclaim} runs it too, and so does a page fault that finds memory full (direct reclaim,
     * before the fault fails with an OOM kill).
     *
     * @return the number of THPs split
     */
    int deferredSplitScan();

    /**
     * The THPs on the deferred split queue, oldest first, each as its head frame (see
     * {@link #deferredSplitScan()}); the queue is per kernel (one NUMA node), a THP on it at most once.
     */
    List<Frame> deferredSplitQueue();

    /** Checks every invariant over every allocated frame; {@link KernelBugException} if one is broken. */
    void checkInvariants();

    /** user->locked_vm in pages: what io_uring has charged. */
    long userLockedVm();

    /** The 2 MiB hugetlb pool's counters, as /proc/meminfo shows them (see {@link Builder#hugetlbPages}). */
    HugePages hugePages();

    /**
     * The counters of the hugetlb pool of one page size, as
     * /sys/kernel/mm/hugepages/hugepages-{2048,1048576}kB/ shows them (nr_hugepages, free_hugepages,
     * resv_hugepages).
     *
     * @throws IllegalArgumentException for a page size other than {@link #HUGE_PAGE_2MB} and {@link #HUGE_PAGE_1GB}
     */
    HugePages hugePages(long pageSize);

    /** /sys/kernel/mm/transparent_hugepage/enabled now (see {@link Builder#transparentHugepage}). */
    TransparentHugepage transparentHugepage();

    /**
     * Writes /sys/kernel/mm/transparent_hugepage/enabled: later faults follow the new setting; THPs
     * already mapped stay (as in the kernel, the knob only steers new faults).
     */
    void setTransparentHugepage(TransparentHugepage setting);

    /**
     * /sys/kernel/mm/transparent_hugepage/use_zero_page now: true (the kernel's default) if a read
     * fault in a THP-eligible range maps the huge zero page; see {@link #setThpUseZeroPage}.
     */
    boolean thpUseZeroPage();

    /**
     * Writes /sys/kernel/mm/transparent_hugepage/use_zero_page: with false, a read fault in a
     * THP-eligible range maps a new zeroed THP, as a write fault does, instead of the huge zero page
     * (do_huge_pmd_anonymous_page(): transparent_hugepage_use_zero_page()); huge zero page mappings
     * that exist stay. Later faults only, as in the kernel.
     */
    void setThpUseZeroPage(boolean useZeroPage);

    /**
     * Writes /proc/sys/vm/nr_hugepages (set_max_huge_pages()): the 2 MiB pool grows by taking
     * frames from free memory, as far as memory allows, or shrinks by giving back free folios that
     * no reservation needs; folios in use or reserved stay (the kernel would keep them as surplus
     * pages). Returns the pool's new size, as reading the file back shows it.
     *
     * @throws IllegalArgumentException for a negative number
     */
    long setNrHugepages(long nr);

    /**
     * Writes /sys/kernel/mm/hugepages/hugepages-{2048,1048576}kB/nr_hugepages: as
     * {@link #setNrHugepages(long)} for the pool of that page size. 1 GiB pages are allocated at
     * run time in every modelled kernel (alloc_gigantic_page() with alloc_contig_range()).
     *
     * @throws IllegalArgumentException for a page size other than {@link #HUGE_PAGE_2MB} and
     *                                  {@link #HUGE_PAGE_1GB}, or a negative number
     */
    long setNrHugepages(long pageSize, long nr);

    /**
     * The model's kmemleak: every object that was allocated, is not free, and that nothing holds or
     * can reach any more (a frame with refcount 0, a page of a shmem object no VMA maps, a swap-cache
     * page no swap PTE refers to, a swap slot whose count has drifted), each with the step and call
     * that allocated it. Page-cache pages of files and pages a device still holds are not leaks.
     * Costs O(frames + PTEs); empty for a healthy kernel at any time.
     */
    List<Leak> leaks();

    /**
     * {@link #leaks()} as a check: a {@link KernelBugException} ({@code memory-leak}) listing every
     * leaked object and who allocated it, at which step. Also prints {@code BUG: memory-leak} to the
     * kernel log.
     */
    void checkNoLeaks();

    /**
     * Shuts the machine down and checks that nothing leaked: every live process exits (in pid
     * order, as exit() does: mmu notifiers see RELEASE and UNMAP), then {@link #checkInvariants()}
     * and {@link #checkNoLeaks()}. What devices still hold stays held. The kernel cannot be used
     * afterwards: its processes are gone, and spawn(), mount() and attaching a device throw
     * {@link IllegalStateException}. Calling it twice is harmless.
     *
     * @throws KernelBugException if an invariant is broken or anything leaked
     */
    @Override
    void close();

    /**
     * The snapshots recorded at the end of each step (see {@link Builder#frameSnapshots(int)}),
     * oldest first; empty when snapshots are off.
     */
    List<FrameSnapshot> frameSnapshots();
}
