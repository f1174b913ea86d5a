package io.pinsim.dsl;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import java.util.Objects;

/**
 * The steps of processes and their memory: starting a process, mapping the buffer, the CPU's reads
 * and writes, madvise()/mprotect()/munmap(), exit, reclaim, and fork().
 *
 * @param <S> the scenario's own type, so steps keep the state-specific ones in reach
 */
abstract class ProcessSteps<S extends ScenarioSteps<S>> extends StepPlumbing<S> {
    ProcessSteps(ScenarioState state) {
        super(state);
    }

    // ------------------------------------------------------------------ processes and memory

    /** Starts (or switches to) the process with this name; the first one is the parent of later forks. */
    @CheckReturnValue
    public S process(String name) {
        Objects.requireNonNull(name, "name");
        return step("process(\"" + name + "\")", () -> {
            Process existing = state.kernel.processes().stream().filter(p -> p.name().equals(name) && p.isAlive()).findFirst().orElse(null);
            state.current = existing != null ? existing : state.kernel.spawn(name);
            if (state.parent == null) {
                state.parent = state.current;
            }
        }, s -> s.process(name));
    }

    /** malloc() of a large buffer: a private anonymous mapping, untouched (its pages are faulted in on use). */
    @CheckReturnValue
    public S malloc(Size size) {
        Objects.requireNonNull(size, "size");
        return map("malloc(" + size + ")", size, MapFlags.PRIVATE | MapFlags.ANONYMOUS, s -> s.malloc(size));
    }

    /**
     * malloc() of memory for transparent huge pages, as a program that wants them does it: mmap() 2
     * MiB more than asked, munmap() the ends so that the buffer starts on a 2 MiB boundary, then
     * MADV_HUGEPAGE. If the kernel's THP setting is "never" the step first writes "madvise" to
     * /sys/kernel/mm/transparent_hugepage/enabled (traced). The first write to each 2 MiB maps a
     * PMD-mapped THP.
     *
     * @throws IllegalArgumentException if the size is not a multiple of 2 MiB ({@code pages(512)})
     */
    @CheckReturnValue
    public S mallocThp(Size size) {
        Objects.requireNonNull(size, "size");
        String name = "mallocThp(" + size + ")";
        requireBufferSize(size, name);
        long thp = 2L << 20;
        if (size.bytes() % thp != 0) {
            throw new IllegalArgumentException(name + ": a THP buffer is a multiple of 2 MiB (pages(512)); use malloc(..) for small pages");
        }
        Process p = requireProcess(name);
        return step(name, () -> {
            if (state.kernel.transparentHugepage() == io.pinsim.runtime.TransparentHugepage.NEVER) {
                state.kernel.setTransparentHugepage(io.pinsim.runtime.TransparentHugepage.MADVISE);
            }
            long raw = p.mmap(size.bytes() + thp, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            long a = (raw + thp - 1) & -thp;
            if (a > raw) {
                p.munmap(raw, a - raw);
            }
            p.munmap(a + size.bytes(), raw + thp - a);
            p.madvise(a, size.bytes(), io.pinsim.runtime.Advice.HUGEPAGE);
            state.buffer = new Buffer(p, a, size.bytes());
        }, s -> s.mallocThp(size));
    }

    /**
     * The memory upstream cow.c runs a test case on, prepared as cow.c prepares it (see
     * {@link CowBacking}): a base page, a swapped-out base page, each THP variant, the shared zero
     * page or the huge zero page; the buffer is the range cow.c then tests. THP backings write "madvise" to the THP setting
     * if it is "never", as {@link #mallocThp(Size)} does. A kernel that refuses a preparation step
     * (MADV_PAGEOUT before 5.4) fails this step with its errno.
     */
    @CheckReturnValue
    public S mallocAs(CowBacking backing) {
        Objects.requireNonNull(backing, "backing");
        String name = "mallocAs(CowBacking." + backing + ")";
        Process p = requireProcess(name);
        return step(name, () -> state.buffer = CowBackings.prepare(state.kernel, p, backing), s -> s.mallocAs(backing));
    }

    /**
     * malloc() of hugetlb memory: mmap(MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_2MB), 2 MiB
     * aligned, reserved from the kernel's hugetlb pool at once. If the pool has fewer free
     * unreserved pages than twice the buffer (the buffer and room for one copy-on-write copy of
     * each page, as a fork followed by writes needs) the step first grows it (writes
     * /proc/sys/vm/nr_hugepages, traced), as a test that wants hugetlb pages does. Each 2 MiB is one hugetlb folio, mapped by one PMD and
     * never split. For 1 GiB pages see {@link #mallocHugetlb(Size, long)}.
     *
     * @throws IllegalArgumentException if the size is not a multiple of 2 MiB ({@code pages(512)})
     */
    @CheckReturnValue
    public S mallocHugetlb(Size size) {
        Objects.requireNonNull(size, "size");
        return hugetlb("mallocHugetlb(" + size + ")", size, Kernel.HUGE_PAGE_2MB, MapFlags.PRIVATE, s -> s.mallocHugetlb(size));
    }

    /**
     * {@link #mallocHugetlb(Size)} with the given hugetlb page size: {@link Kernel#HUGE_PAGE_2MB} or
     * {@link Kernel#HUGE_PAGE_1GB} (MAP_HUGE_1GB: 1 GiB aligned, each 1 GiB one gigantic folio
     * mapped by one PUD-level entry; the 1 GiB pool grows first if it must, as the 2 MiB one
     * does). Steps that read or write the whole buffer copy all of it: keep them to a part of a
     * 1 GiB buffer.
     *
     * @throws IllegalArgumentException if the page size is neither, or the size not a multiple of it
     */
    @CheckReturnValue
    public S mallocHugetlb(Size size, long pageSize) {
        Objects.requireNonNull(size, "size");
        return hugetlb("mallocHugetlb(" + size + ", " + pageSize + ")", size, pageSize, MapFlags.PRIVATE, s -> s.mallocHugetlb(size, pageSize));
    }

    /**
     * A shared hugetlb mapping (mmap(MAP_SHARED|MAP_ANONYMOUS|MAP_HUGETLB)): hugetlbfs pages shared
     * with forked children; the pool grows first if it must, as for {@link #mallocHugetlb}.
     *
     * @throws IllegalArgumentException if the size is not a multiple of 2 MiB ({@code pages(512)})
     */
    @CheckReturnValue
    public S mmapSharedHugetlb(Size size) {
        Objects.requireNonNull(size, "size");
        return hugetlb("mmapSharedHugetlb(" + size + ")", size, Kernel.HUGE_PAGE_2MB, MapFlags.SHARED, s -> s.mmapSharedHugetlb(size));
    }

    /**
     * {@link #mmapSharedHugetlb(Size)} with the given hugetlb page size, {@link Kernel#HUGE_PAGE_2MB}
     * or {@link Kernel#HUGE_PAGE_1GB}, as {@link #mallocHugetlb(Size, long)}.
     *
     * @throws IllegalArgumentException if the page size is neither, or the size not a multiple of it
     */
    @CheckReturnValue
    public S mmapSharedHugetlb(Size size, long pageSize) {
        Objects.requireNonNull(size, "size");
        return hugetlb("mmapSharedHugetlb(" + size + ", " + pageSize + ")", size, pageSize, MapFlags.SHARED, s -> s.mmapSharedHugetlb(size, pageSize));
    }

    private S hugetlb(String name, Size size, long hpage, int type, java.util.function.Consumer<Scenario> replay) {
        requireBufferSize(size, name);
        if (hpage != Kernel.HUGE_PAGE_2MB && hpage != Kernel.HUGE_PAGE_1GB) {
            throw new IllegalArgumentException(name + ": the hugetlb page size is Kernel.HUGE_PAGE_2MB or Kernel.HUGE_PAGE_1GB, not " + hpage);
        }
        if (size.bytes() % hpage != 0) {
            throw new IllegalArgumentException(name + ": a hugetlb buffer is a multiple of " + (hpage == Kernel.HUGE_PAGE_1GB ? "1 GiB (pages(262144))"
                    : "2 MiB (pages(512))") + ", its page size; use malloc(..) for small pages");
        }
        Process p = requireProcess(name);
        return step(name, () -> {
            io.pinsim.runtime.HugePages pool = state.kernel.hugePages(hpage);
            long shortfall = 2 * (size.bytes() / hpage) - (pool.free() - pool.reserved());
            if (shortfall > 0) {
                state.kernel.setNrHugepages(hpage, pool.total() + shortfall);
            }
            long a = p.mmap(size.bytes(), Prot.READ | Prot.WRITE, type | MapFlags.ANONYMOUS | MapFlags.HUGETLB
                    | (hpage == Kernel.HUGE_PAGE_1GB ? MapFlags.HUGE_1GB : MapFlags.HUGE_2MB));
            state.buffer = new Buffer(p, a, size.bytes());
        }, replay);
    }

    /** A shared anonymous mapping (mmap(MAP_SHARED|MAP_ANONYMOUS)): shmem, shared with forked children. */
    @CheckReturnValue
    public S mmapShared(Size size) {
        Objects.requireNonNull(size, "size");
        return map("mmapShared(" + size + ")", size, MapFlags.SHARED | MapFlags.ANONYMOUS, s -> s.mmapShared(size));
    }

    private S map(String name, Size size, int flags, java.util.function.Consumer<Scenario> replay) {
        requireBufferSize(size, name);
        Process p = requireProcess(name);
        return step(name, () -> {
            long a = p.mmap(size.bytes(), Prot.READ | Prot.WRITE, flags);
            state.buffer = new Buffer(p, a, size.bytes());
        }, replay);
    }

    /** mmap(MAP_SHARED) of the scenario's file, from offset 0. */
    @CheckReturnValue
    public S mmapFile(Size size) {
        Objects.requireNonNull(size, "size");
        return mapFile("mmapFile(" + size + ")", size, MapFlags.SHARED);
    }

    /** mmap(MAP_PRIVATE) of the scenario's file: writes copy pages into anonymous memory. */
    @CheckReturnValue
    public S mmapFilePrivate(Size size) {
        Objects.requireNonNull(size, "size");
        return mapFile("mmapFilePrivate(" + size + ")", size, MapFlags.PRIVATE);
    }

    private S mapFile(String name, Size size, int flags) {
        requireBufferSize(size, name);
        Process p = requireProcess(name);
        requireFile(name);
        return step(name, () -> {
            long a = p.mmap(0, size.bytes(), Prot.READ | Prot.WRITE, flags, openFile(p, false), 0);
            state.buffer = new Buffer(p, a, size.bytes());
        });
    }

    /** The current process writes data into the buffer, as the CPU would. */
    @CheckReturnValue
    public S write(Data data) {
        Objects.requireNonNull(data, "data");
        return writeAs(state.current, "write(" + data + ")", data, s -> s.write(data));
    }

    /** A step in which the process writes data into its view of the buffer, as the CPU would. */
    S writeAs(Process p, String name, Data data) {
        return writeAs(p, name, data, null);
    }

    private S writeAs(Process p, String name, Data data, java.util.function.Consumer<Scenario> replay) {
        Buffer b = requireBuffer(name);
        requireAlive(p, name);
        Runnable body = () -> {
            Data.Placed d = data.place(state, b.length());
            p.write(b.address() + d.offset(), d.bytes());
        };
        return replay == null ? step(name, body) : step(name, body, replay);
    }

    /** The current process fills the buffer with one character. */
    @CheckReturnValue
    public S write(char c) {
        return write(Pinsim.fill(c));
    }

    /** The current process reads the whole buffer (touching every page). */
    @CheckReturnValue
    public S read() {
        return readAs(state.current, "read()");
    }

    /** A step in which the process reads its view of the whole buffer (touching every page). */
    S readAs(Process p, String name) {
        Buffer b = requireBuffer(name);
        requireAlive(p, name);
        return step(name, () -> p.read(b.address(), (int) b.length()));
    }

    /** madvise() of the whole buffer by the current process. */
    @CheckReturnValue
    public S madvise(Advice advice) {
        Objects.requireNonNull(advice, "advice");
        Buffer b = requireBuffer("madvise(" + advice + ")");
        Process p = state.current;
        return step("madvise(" + advice.kernelName() + ")", () -> p.madvise(b.pageStart(), b.pageSpan(), advice), s -> s.madvise(advice));
    }

    /** mprotect() of the whole buffer by the current process ({@link Prot} bits). */
    @CheckReturnValue
    public S mprotect(int prot) {
        Buffer b = requireBuffer("mprotect(..)");
        Process p = state.current;
        return step("mprotect(" + prot + ")", () -> p.mprotect(b.pageStart(), b.pageSpan(), prot), s -> s.mprotect(prot));
    }

    /** munmap() of the buffer by the current process. */
    @CheckReturnValue
    public S munmap() {
        Buffer b = requireBuffer("munmap()");
        Process p = state.current;
        return step("munmap()", () -> p.munmap(b.pageStart(), b.pageSpan()));
    }

    /** The current process exits. */
    @CheckReturnValue
    public S exit() {
        Process p = requireProcess("exit()");
        return step("exit()", p::exit);
    }

    /** Memory pressure: the kernel reclaims the first page of the buffer (shrink_page_list()). */
    @CheckReturnValue
    public S reclaim() {
        Buffer b = requireBuffer("reclaim()");
        Process p = state.current;
        return step("reclaim()", () -> state.kernel.reclaim(p, b.address()));
    }

    // ------------------------------------------------------------------ fork

    /** fork() by the current process; the chain then knows the child. */
    @CheckReturnValue
    public ForkedScenario fork() {
        Process p = requireProcess("fork()");
        step("fork()", () -> {
            state.parent = p;
            state.child = p.fork();
        });
        return new ForkedScenario(state);
    }

    /**
     * fork() in one thread while another thread pins the buffer for the device with
     * pin_user_pages_fast(), explored: every interleaving of the two (up to the preemptions
     * {@code @Explore} or {@link ScenarioSteps#exploring(int, String)} set, 2 by default) runs on a
     * fresh kernel of the same model and seed that redoes the chain's steps so far, checking that the
     * pin follows the parent after the parent writes. The chain then goes on from the smallest
     * schedule that breaks it (57efa1fe5957: the lockless walk pins the page after fork decided to
     * share it and before fork write-protects it), or from the first schedule if none does; a later
     * failure's because: line names that schedule, the counts and the interleaving.
     */
    @CheckReturnValue
    public ForkedScenario forkRacingPin(DeviceKind device) {
        Objects.requireNonNull(device, "device");
        Buffer b = requireBuffer("forkRacingPin(" + device + ")");
        Process p = state.current;
        if (state.unreplayable != null) {
            throw new IllegalStateException("forkRacingPin(" + device + ") explores on fresh kernels that redo the chain's steps, but "
                    + state.unreplayable + " cannot be redone: start the chain with process(..), malloc(..) or mmapShared(..), write(..), "
                    + "madvise(..) and mprotect(..) only");
        }
        step("forkRacingPin(" + device + ")", () -> RacingPin.run(state, p, b, device));
        return new ForkedScenario(state);
    }
}
