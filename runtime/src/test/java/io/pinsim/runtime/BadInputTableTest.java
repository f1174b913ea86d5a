package io.pinsim.runtime;

import static io.pinsim.runtime.BadInputTable.args;
import static io.pinsim.runtime.BadInputTable.bug;
import static io.pinsim.runtime.BadInputTable.errno;
import static io.pinsim.runtime.BadInputTable.fault;
import static io.pinsim.runtime.BadInputTable.iae;
import static io.pinsim.runtime.BadInputTable.ioobe;
import static io.pinsim.runtime.BadInputTable.ise;
import static io.pinsim.runtime.BadInputTable.npe;
import static io.pinsim.runtime.BadInputTable.ok;
import static io.pinsim.runtime.BadInputTable.signal;
import static io.pinsim.runtime.Errno.EBADF;
import static io.pinsim.runtime.Errno.EBUSY;
import static io.pinsim.runtime.Errno.EEXIST;
import static io.pinsim.runtime.Errno.EIO;
import static io.pinsim.runtime.Errno.EFAULT;
import static io.pinsim.runtime.Errno.EFBIG;
import static io.pinsim.runtime.Errno.EINVAL;
import static io.pinsim.runtime.Errno.ENOENT;
import static io.pinsim.runtime.Errno.ENODEV;
import static io.pinsim.runtime.Errno.ENOMEM;
import static io.pinsim.runtime.Errno.ENXIO;
import static io.pinsim.runtime.Errno.EOVERFLOW;
import static io.pinsim.runtime.Errno.EPERM;
import static io.pinsim.runtime.Errno.EACCES;
import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DevicePageTable;
import io.pinsim.runtime.spi.DeviceFile;
import io.pinsim.runtime.spi.DevicePagemap;
import io.pinsim.runtime.spi.DevicePagemapOps;
import io.pinsim.runtime.spi.HmmPfn;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.IoPageFaultException;
import io.pinsim.runtime.spi.IommuSva;
import io.pinsim.runtime.spi.Gfp;
import io.pinsim.runtime.trace.KernelLog;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every public method of the runtime's API fed bad input (project issue 11): null for each
 * reference parameter, negative, zero, unaligned and out-of-range numbers where they are bad for
 * that method, an object of another kernel, and dead handles (an exited process, a closed file,
 * released pages, a removed notifier). Each row names what the method must do: the kernel's errno
 * (with the kernel function that refuses), or a Java exception at the entry naming the fix; and a
 * refused call changes nothing. {@link #everyPublicMethodHasARow()} keeps the table complete.
 */
class BadInputTableTest {
    static final long TOP = Kernel.TASK_SIZE;
    static final int FIXED = ANON_PRIVATE | MapFlags.FIXED;
    static final String DEAD = "has exited";
    static final String OTHER = "another kernel";
    static final String NOT_ATTACHED = "attach a device to each kernel it serves";
    static final MmuNotifierListener LISTENER = new MmuNotifierListener() {
        @Override
        public boolean invalidateRangeStart(Process process, MmuNotifierEvent event, long start, long end, boolean blockable) {
            return true;
        }

        @Override
        public void invalidateRangeEnd(Process process, MmuNotifierEvent event, long start, long end) {
        }
    };

    static BadInputTable<BadInputFixture> table() {
        BadInputTable<BadInputFixture> t = new BadInputTable<>(BadInputFixture::new, BadInputFixture::state, BadInputFixture::traces);
        kernel(t);
        process(t);
        gup(t);
        task(t);
        files(t);
        openFile(t);
        io(t);
        driver(t);
        deviceMemory(t);
        sva(t);
        devicePageTable(t);
        handles(t);
        return t;
    }

    @TestFactory
    List<DynamicTest> badInput() {
        return table().tests();
    }

    @Test
    void everyPublicMethodHasARow() {
        BadInputTable<BadInputFixture> t = table();
        assertThat(t.missingRows()).as("public methods with no row: give each bad input a row, or list a getter as taking no input").isEmpty();
        assertThat(t.staleNoInput()).as("\"no input\" entries that name no public method").isEmpty();
    }

    // ------------------------------------------------------------------ Kernel and its builder

    static void kernel(BadInputTable<BadInputFixture> t) {
        t.type(Kernel.class).type(Kernel.Builder.class);
        t.noInput(Kernel.class, "builder()", "deferredSplitScan()", "deferredSplitQueue()", "model()", "seed()", "random()", "trace()", "log()", "zeroPage()", "usedFrames()", "freeFrames()",
                "swapSlotsInUse()", "filesystems()", "devices()", "processes()", "checkInvariants()", "userLockedVm()", "leaks()", "checkNoLeaks()",
                "close()", "frameSnapshots()", "lockdep()", "transparentHugepage()", "thpUseZeroPage()", "hugePages()");
        t.noInput(Kernel.Builder.class, "build()");
        t.method(Kernel.class, "hex(long)", f -> args(0L))
                .bad("-1, an address above TASK_SIZE", ok("printed as the unsigned address the kernel sees"), 0, -1L);
        t.method(Kernel.class, "frame(long)", f -> f.k, f -> args(1L))
                .bad("pfn -1", iae("a pfn is never negative"), 0, -1L)
                .bad("pfn Long.MAX_VALUE", ok("no such frame: null"), 0, Long.MAX_VALUE);
        t.method(Kernel.class, "spawn(String)", f -> f.k, f -> args("C"))
                .bad("an empty name", iae("name the process"), 0, "")
                .bad("a blank name", iae("name the process"), 0, "  ")
                .on("a closed kernel", ise("was closed"), f -> closed(f.k));
        t.method(Kernel.class, "setTransparentHugepage(TransparentHugepage)", f -> f.k, f -> args(TransparentHugepage.ALWAYS))
                .bad("NEVER", ok("every setting is valid"), 0, TransparentHugepage.NEVER)
                .on("a closed kernel", ise("was closed"), f -> closed(f.k));
        t.method(Kernel.class, "setThpUseZeroPage(boolean)", f -> f.k, f -> args(true))
                .bad("false", ok("both values are valid"), 0, false)
                .on("a closed kernel", ise("was closed"), f -> closed(f.k));
        t.method(Kernel.class, "mount(FsKind)", f -> f.k, f -> args(FsKind.TMPFS))
                .bad("hugetlbfs (only memfd_create(MFD_HUGETLB) makes its files)", iae("memfdCreate"), 0, FsKind.HUGETLBFS)
                .on("a closed kernel", ise("was closed"), f -> closed(f.k));
        t.method(Kernel.class, "mount(FsKind,BlockDevice)", f -> f.k, f -> args(FsKind.EXT4, new SimpleDisk("sdz")))
                .nullExpect("device", iae("ext4 needs a block device"))
                .bad("tmpfs on a block device", iae("not mounted on a block device"), 0, FsKind.TMPFS)
                .bad("hugetlbfs", iae("memfdCreate"), 0, FsKind.HUGETLBFS);
        t.method(Kernel.class, "oomKill(Process)", f -> f.k, f -> args(f.a))
                .bad("a process of another kernel", iae(OTHER), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead);
        t.method(Kernel.class, "migrateVma(Process,long,int,Object)", f -> f.k, f -> args(f.a, f.buf + PAGE, 1, "gpu"))
                .bad("a process of another kernel", iae(OTHER), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("0 pages", errno(EINVAL, "nr_pages must be positive"), 2, 0)
                .bad("-1 pages", errno(EINVAL, "nr_pages must be positive"), 2, -1)
                .bad("Integer.MAX_VALUE pages", errno(EINVAL, "run past the end"), 2, Integer.MAX_VALUE)
                .bad("an unmapped address", errno(EINVAL, "no VMA"), 1, 0x10000L)
                .bad("address -4096", errno(EINVAL, "no VMA"), 1, (long) -PAGE);
        t.method(Kernel.class, "process(String)", f -> f.k, f -> args("A"))
                .bad("a name nobody has", iae("no process named \"Z\"; processes: [A"), 0, "Z");
        t.method(Kernel.class, "reclaim(Process,long)", f -> f.k, f -> args(f.a, f.buf + PAGE))
                .bad("a process of another kernel", iae(OTHER), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("an unmapped address", ok("nothing to reclaim: false"), 1, 0x10000L)
                .bad("address -4096", ok("nothing to reclaim: false"), 1, (long) -PAGE);
        t.type(ReclaimSteps.class);
        t.method(Kernel.class, "reclaimSteps(Process,long)", f -> f.k, f -> args(f.a, f.buf + PAGE))
                .bad("a process of another kernel", iae(OTHER), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("an unmapped address", ok("its first step finds nothing to reclaim: false"), 1, 0x10000L)
                .bad("address -4096", ok("its first step finds nothing to reclaim: false"), 1, (long) -PAGE);
        t.noInput(ReclaimSteps.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "holds()", "waitsFor()");
        t.method(ReclaimSteps.class, "step()", f -> f.k.reclaimSteps(f.a, f.buf + PAGE), f -> args())
                .on("a reclaim that is done", ise("already done"), f -> {
                    ReclaimSteps r = f.k.reclaimSteps(f.a, f.buf + PAGE);
                    r.run();
                    return r;
                });
        t.method(ReclaimSteps.class, "run()", f -> f.k.reclaimSteps(f.a, f.buf + PAGE), f -> args())
                .on("a reclaim that is done", ok("returns its result again"), f -> {
                    ReclaimSteps r = f.k.reclaimSteps(f.a, f.buf + PAGE);
                    r.run();
                    return r;
                });
        t.method(Kernel.Builder.class, "model(KernelModel)", f -> Kernel.builder(), f -> args(KernelModel.LINUX_5_8));
        t.method(Kernel.Builder.class, "seed(long)", f -> Kernel.builder(), f -> args(1L))
                .bad("a negative seed", ok("any long is a seed"), 0, -1L);
        t.method(Kernel.Builder.class, "memoryFrames(long)", f -> Kernel.builder(), f -> args(16L))
                .bad("0 frames", iae("at least 1"), 0, 0L)
                .bad("-1 frames", iae("at least 1"), 0, -1L);
        t.method(Kernel.Builder.class, "frameSnapshots(int)", f -> Kernel.builder(), f -> args(4))
                .bad("-1", iae("0 (off) or more"), 0, -1)
                .bad("0", ok("0 turns snapshots off"), 0, 0);
        t.method(Kernel.Builder.class, "invariants(boolean)", f -> Kernel.builder(), f -> args(false))
                .bad("true", ok("either is valid"), 0, true);
        t.method(Kernel.Builder.class, "lockdep(boolean)", f -> Kernel.builder(), f -> args(false))
                .bad("true", ok("either is valid"), 0, true);
        t.method(Kernel.Builder.class, "fullInvariantChecks(boolean)", f -> Kernel.builder(), f -> args(true))
                .bad("false", ok("either is valid"), 0, false);
        t.method(Kernel.Builder.class, "trace(TraceLevel)", f -> Kernel.builder(), f -> args(io.pinsim.runtime.trace.TraceLevel.OFF))
                .bad("STEPS", ok("every level is valid"), 0, io.pinsim.runtime.trace.TraceLevel.STEPS);
        t.method(Kernel.Builder.class, "transparentHugepage(TransparentHugepage)", f -> Kernel.builder(), f -> args(TransparentHugepage.ALWAYS))
                .bad("NEVER", ok("every setting is valid"), 0, TransparentHugepage.NEVER);
        t.method(Kernel.class, "setNrHugepages(long)", f -> f.k, f -> args(2L))
                .bad("-1", iae("0 or more"), 0, -1L)
                .bad("more than memory holds", ok("the pool grows as far as memory allows"), 0, 1L << 40);
        t.method(Kernel.Builder.class, "hugetlbPages(long)", f -> Kernel.builder(), f -> args(4L))
                .bad("-1 pages", iae("0 (no pool) or more"), 0, -1L)
                .bad("0 pages", ok("no pool, the kernel's default"), 0, 0L);
        t.method(Kernel.Builder.class, "hugetlbPages(long,long)", f -> Kernel.builder(), f -> args(Kernel.HUGE_PAGE_1GB, 2L))
                .bad("a 4 MiB page size", iae("HUGE_PAGE_1GB"), 0, 4L << 20)
                .bad("page size 0", iae("neither 2 MiB"), 0, 0L)
                .bad("-1 pages", iae("0 (no pool) or more"), 1, -1L)
                .bad("2 MiB, the default size", ok("the same as hugetlbPages(n)"), 0, Kernel.HUGE_PAGE_2MB);
        t.method(Kernel.class, "hugePages(long)", f -> f.k, f -> args(Kernel.HUGE_PAGE_1GB))
                .bad("a 4 KiB page size", iae("HUGE_PAGE_2MB"), 0, 4096L)
                .bad("-1", iae("neither 2 MiB"), 0, -1L);
        t.method(Kernel.class, "setNrHugepages(long,long)", f -> f.k, f -> args(Kernel.HUGE_PAGE_1GB, 1L))
                .bad("a 4 MiB page size", iae("HUGE_PAGE_1GB"), 0, 4L << 20)
                .bad("-1 pages", iae("0 or more"), 1, -1L)
                .bad("more than memory holds", ok("the pool grows as far as memory allows"), 1, 1L << 40);
        t.method(Kernel.Builder.class, "name(String)", f -> Kernel.builder(), f -> args("k"))
                .bad("an empty name", iae("name the kernel"), 0, "");
    }

    static Kernel closed(Kernel k) {
        k.close();
        return k;
    }

    // ------------------------------------------------------------------ Process: mappings and accesses

    static void process(BadInputTable<BadInputFixture> t) {
        t.type(Process.class);
        t.noInput(Process.class, "pid()", "name()", "parent()", "kernel()", "state()", "isAlive()", "killedBy()", "threads()", "vmas()",
                "populatedPtes()", "hasPinned()", "rlimitMemlock()", "capIpcLock()", "pinnedVm()", "lockedVm()");
        t.method(Process.class, "mainThread()", f -> f.a, f -> args())
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "spawnThread(String)", f -> f.a, f -> args("T3"))
                .bad("a name the process already has", iae("already has a thread named \"T2\""), 0, "T2")
                .bad("an empty name", iae("name the thread"), 0, "")
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "thread(String)", f -> f.a, f -> args("T2"))
                .bad("a thread that does not exist", iae("call spawnThread(\"T9\") first"), 0, "T9")
                .on("an exited process", ise(DEAD), f -> f.dead);
        for (String query : List.of("vmaAt(long)", "frameAt(long)", "pteAt(long)", "isMappedWritable(long)")) {
            t.method(Process.class, query, f -> f.a, f -> args(f.buf))
                    .bad("address -1", ok("above TASK_SIZE: nothing is mapped there"), 0, -1L)
                    .bad("address TASK_SIZE", ok("nothing is mapped there"), 0, TOP)
                    .on("an exited process", ok("an exited process maps nothing"), f -> f.dead);
        }
        t.method(Process.class, "mmap(long,int,int)", f -> f.a, f -> args((long) PAGE, RW, ANON_PRIVATE))
                .bad("length 0", errno(EINVAL, "length is 0"), 0, 0L)
                .bad("length -1", errno(ENOMEM, "does not fit"), 0, -1L)
                .bad("length Long.MAX_VALUE", errno(ENOMEM, "does not fit"), 0, Long.MAX_VALUE)
                .bad("neither MAP_SHARED nor MAP_PRIVATE", errno(EINVAL, "MAP_SHARED and MAP_PRIVATE"), 2, MapFlags.ANONYMOUS)
                .bad("no MAP_ANONYMOUS and no file", errno(EBADF, "no MAP_ANONYMOUS"), 2, MapFlags.PRIVATE)
                .bad("MAP_HUGETLB with an empty hugetlb pool", errno(ENOMEM, "hugetlb_reserve_pages"), 2, ANON_PRIVATE | MapFlags.HUGETLB)
                .bad("MAP_HUGETLB|MAP_HUGE_1GB with an empty 1 GiB pool", errno(ENOMEM, "hugetlb_reserve_pages"), 2, ANON_PRIVATE | MapFlags.HUGETLB | MapFlags.HUGE_1GB)
                .bad("MAP_HUGETLB with 4 MiB pages (no such hstate)", errno(EINVAL, "hstate_sizelog"), 2, ANON_PRIVATE | MapFlags.HUGETLB | (22 << MapFlags.HUGE_SHIFT))
                .bad("MAP_HUGETLB with page size 2^22", errno(EINVAL, "no hugetlb pool"), 2, ANON_PRIVATE | MapFlags.HUGETLB | (22 << MapFlags.HUGE_SHIFT))
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "mmap(long,long,int,int)", f -> f.a, f -> args(0L, (long) PAGE, RW, ANON_PRIVATE))
                .bad("MAP_FIXED at an unaligned address", errno(EINVAL, "not page aligned"), f -> args(f.buf + 1, (long) PAGE, RW, FIXED))
                .bad("MAP_FIXED below mmap_min_addr", errno(EPERM, "mmap_min_addr"), f -> args(0x1000L, (long) PAGE, RW, FIXED))
                .bad("MAP_FIXED at -4096 (above TASK_SIZE)", errno(ENOMEM, "outside the user address space"), f -> args((long) -PAGE, (long) PAGE, RW, FIXED))
                .bad("MAP_FIXED across TASK_SIZE", errno(ENOMEM, "outside the user address space"), f -> args(TOP - PAGE, 2L * PAGE, RW, FIXED))
                .bad("MAP_FIXED at Long.MIN_VALUE", errno(ENOMEM, "outside the user address space"), f -> args(Long.MIN_VALUE, (long) PAGE, RW, FIXED))
                .bad("a hint of -1", ok("a hint is only a hint"), 0, -1L)
                .bad("length Long.MIN_VALUE", errno(ENOMEM, "does not fit"), 1, Long.MIN_VALUE)
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "open(Inode,int)", f -> f.a, f -> args(f.file, OpenFlags.RDWR))
                .bad("an inode of another kernel", iae(OTHER), 0, f -> f.file2)
                .bad("unknown flags", errno(EINVAL, "not known"), 1, 0x100)
                .bad("O_ACCMODE 3", errno(EINVAL, "not known"), 1, 3)
                .bad("O_DIRECT on tmpfs", errno(EINVAL, "not modelled"), f -> args(f.shm, OpenFlags.RDWR | OpenFlags.DIRECT))
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "memfdCreate(String,int)", f -> f.a, f -> args("test", MemfdFlags.CLOEXEC))
                .bad("unknown flags", errno(EINVAL, "unknown flags"), 1, 0x40)
                .bad("MFD_EXEC|MFD_NOEXEC_SEAL", errno(EINVAL, "together"), 1, MemfdFlags.EXEC | MemfdFlags.NOEXEC_SEAL)
                .bad("MFD_HUGE_2MB without MFD_HUGETLB", errno(EINVAL, "needs MFD_HUGETLB"), 1, MemfdFlags.HUGE_2MB)
                .bad("a name of 250 bytes", errno(EINVAL, "MFD_NAME_MAX_LEN"), 0, "n".repeat(250))
                .bad("a name of 249 bytes", ok("MFD_NAME_MAX_LEN is 249"), 0, "n".repeat(249))
                .bad("a name of 125 two-byte characters (250 bytes)", errno(EINVAL, "MFD_NAME_MAX_LEN"), 0, "\u00e9".repeat(125))
                .bad("MFD_HUGETLB with 4 MiB pages (no such hstate)", errno(ENODEV, "get_hstate_idx"), 1, MemfdFlags.HUGETLB | (22 << MemfdFlags.HUGE_SHIFT))
                .bad("MFD_HUGETLB|MFD_HUGE_1GB", ok("a hugetlbfs file of 1 GiB pages; nothing is reserved until it is mapped"), 1, MemfdFlags.HUGETLB | MemfdFlags.HUGE_1GB)
                .bad("MFD_HUGETLB with page size 2^22", errno(ENODEV, "no hugetlb pool"), 1, MemfdFlags.HUGETLB | (22 << MemfdFlags.HUGE_SHIFT))
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "mmap(long,long,int,int,OpenFile,long)", f -> f.a, f -> args(0L, (long) PAGE, RW, MapFlags.SHARED, f.rw, 0L))
                .bad("a file of another kernel", iae(OTHER), 4, f -> f.rw2)
                .bad("a file of another process", iae("belongs to process \"D\""), 4, f -> f.deadFile)
                .bad("a closed file", errno(EBADF, "closed"), 4, f -> f.closed)
                .bad("offset 1", errno(EINVAL, "not page aligned"), 5, 1L)
                .bad("offset -4096", errno(EOVERFLOW, "file_mmap_ok"), 5, (long) -PAGE)
                .bad("an offset whose last page is past MAX_LFS_FILESIZE", errno(EOVERFLOW, "file_mmap_ok"), 5, Long.MAX_VALUE & -PAGE)
                .bad("MAP_ANONYMOUS with a file", errno(EINVAL, "MAP_ANONYMOUS with a file"), 3, MapFlags.SHARED | MapFlags.ANONYMOUS)
                .bad("MAP_HUGETLB with a file not on hugetlbfs", errno(EINVAL, "not on hugetlbfs"), 3, MapFlags.SHARED | MapFlags.HUGETLB)
                .bad("a hugetlbfs memfd at an offset that is not 2 MiB aligned", errno(EINVAL, "hugetlbfs_file_mmap"),
                        f -> args(0L, (long) PAGE, RW, MapFlags.SHARED, f.a.memfdCreate("h", MemfdFlags.HUGETLB), (long) PAGE))
                .bad("a hugetlbfs memfd with an empty hugetlb pool", errno(ENOMEM, "hugetlb_reserve_pages"),
                        f -> args(0L, (long) PAGE, RW, MapFlags.SHARED, f.a.memfdCreate("h", MemfdFlags.HUGETLB), 0L))
                .bad("length 0", errno(EINVAL, "length is 0"), 1, 0L)
                .bad("a file open only for writing", errno(EACCES, "not open for reading"), 4, f -> f.wronly)
                .bad("MAP_SHARED|PROT_WRITE of a read-only file", errno(EACCES, "not open for writing"), 4, f -> f.rdonly)
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "munmap(long,long)", f -> f.a, f -> args(0x10000L, (long) PAGE))
                .bad("an unaligned address", errno(EINVAL, "not page aligned"), 0, 0x10001L)
                .bad("length 0", errno(EINVAL, "length is 0"), 1, 0L)
                .bad("length -1", errno(EINVAL, "length is -1"), 1, -1L)
                .bad("address -4096", errno(EINVAL, "outside the user address space"), 0, (long) -PAGE)
                .bad("a length past TASK_SIZE", errno(EINVAL, "outside the user address space"), 1, TOP)
                .bad("nothing mapped there", ok("munmap of a hole is not an error"), 0, 0x20000L)
                .on("an exited process", ise(DEAD), f -> f.dead);
        int move = MremapFlags.MAYMOVE | MremapFlags.FIXED;
        t.method(Process.class, "mremap(long,long,long,int,long)", f -> f.a, f -> args(f.buf, (long) PAGE, (long) PAGE, 0, 0L))
                .bad("unknown flags", errno(EINVAL, "unknown flags"), 3, 8)
                .bad("MREMAP_FIXED without MREMAP_MAYMOVE", errno(EINVAL, "without MREMAP_MAYMOVE"), 3, MremapFlags.FIXED)
                .bad("an unaligned address", errno(EINVAL, "not page aligned"), f -> args(f.buf + 1, (long) PAGE, (long) PAGE, 0, 0L))
                .bad("new length 0", errno(EINVAL, "rounds to 0"), 2, 0L)
                .bad("new length -1: rounded up to a page it wraps to 0", errno(EINVAL, "rounds to 0"), 2, -1L)
                .bad("nothing mapped there", errno(EFAULT, "no mapping"), 0, 0x10000L)
                .bad("address -4096", errno(EFAULT, "no mapping"), 0, (long) -PAGE)
                .bad("an old range past its VMA", errno(EFAULT, "runs past the end"), f -> args(f.buf, TOP, Long.MIN_VALUE, MremapFlags.MAYMOVE, 0L))
                .bad("a shrink whose old length -4096 runs past TASK_SIZE", errno(EINVAL, "outside the user address space"), 1, (long) -PAGE)
                .bad("old length 0 of a private mapping", errno(EINVAL, "only a shared mapping"), f -> args(f.buf, 0L, (long) PAGE, MremapFlags.MAYMOVE, 0L))
                .bad("MREMAP_FIXED onto the old range", errno(EINVAL, "overlap"), f -> args(f.buf, (long) PAGE, (long) PAGE, move, f.buf))
                .bad("MREMAP_FIXED at an unaligned address", errno(EINVAL, "not page aligned"), f -> args(f.buf, (long) PAGE, (long) PAGE, move, 0x7e0000000001L))
                .bad("MREMAP_FIXED at -4096", errno(EINVAL, "outside the user address space"), f -> args(f.buf, (long) PAGE, (long) PAGE, move, (long) -PAGE))
                .bad("MREMAP_DONTUNMAP without MREMAP_MAYMOVE", errno(EINVAL, "needs MREMAP_MAYMOVE"), 3, MremapFlags.DONTUNMAP)
                .bad("MREMAP_DONTUNMAP with a new length", errno(EINVAL, "equal lengths"), f -> args(f.buf, (long) PAGE, 2L * PAGE, MremapFlags.MAYMOVE | MremapFlags.DONTUNMAP, 0L))
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "mprotect(long,long,int)", f -> f.a, f -> args(f.buf, (long) PAGE, Prot.READ))
                .bad("an unaligned address", errno(EINVAL, "not page aligned"), f -> args(f.buf + 12, (long) PAGE, Prot.READ))
                .bad("unknown prot bits", errno(EINVAL, "arch_validate_prot"), 2, 0x8)
                .bad("length 0", ok("do_mprotect_pkey: if (!len) return 0"), 1, 0L)
                .bad("length -1", errno(ENOMEM, "end overflows"), 1, -1L)
                .bad("address -4096", errno(ENOMEM, "end overflows"), 0, (long) -PAGE)
                .bad("length Long.MAX_VALUE: no wrap, the range runs past TASK_SIZE", errno(ENOMEM, "hole")
                        .leaving("the VMAs before the first hole are changed, as in do_mprotect_pkey()"), 1, Long.MAX_VALUE)
                .bad("nothing mapped there", errno(ENOMEM, "no mapping"), 0, 0x10000L)
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "madvise(long,long,Advice)", f -> f.a, f -> args(f.buf, (long) PAGE, Advice.DONTFORK))
                .bad("an unaligned address", errno(EINVAL, "not page aligned"), f -> args(f.buf + 1, (long) PAGE, Advice.DONTNEED))
                .bad("address -4096: the end wraps to 0", errno(EINVAL, "its end lies below its start"), f -> args((long) -PAGE, (long) PAGE, Advice.DONTNEED))
                .bad("length -1: rounded up to a page it wraps to 0", errno(EINVAL, "wraps to 0"), 1, -1L)
                .bad("length Long.MAX_VALUE: no wrap, the range runs past TASK_SIZE", errno(ENOMEM, "unmapped parts")
                        .leaving("the advice reaches every VMA from the address up, as in the kernel"), 1, Long.MAX_VALUE)
                .bad("length 0", ok("madvise: if (end == start) return 0"), 1, 0L)
                .bad("nothing mapped there", errno(ENOMEM, "no mapping"), 0, 0x10000L)
                .bad("a range past TASK_SIZE", errno(ENOMEM, "no mapping"), f -> args(TOP - PAGE, 4L * PAGE, Advice.DONTNEED))
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "clearSoftDirty()", f -> f.a, f -> args())
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "read(long,int)", f -> f.a, f -> args(f.buf, 16))
                .bad("length -1", iae("must not be negative"), 1, -1)
                .bad("length 0", ok("reads nothing"), 1, 0)
                .bad("address -4096", signal(Signal.SIGSEGV), 0, (long) -PAGE)
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "peek(long,int)", f -> f.a, f -> args(f.buf, 16))
                .bad("length -1", iae("must not be negative"), 1, -1)
                .bad("length 0", ok("reads nothing"), 1, 0)
                .bad("address -4096", errno(EIO, "outside the user address space"), 0, (long) -PAGE)
                .bad("an unmapped address", errno(EIO, "nothing is mapped"), 0, 0x10000L)
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "write(long,byte[])", f -> f.a, f -> args(f.buf, new byte[16]))
                .bad("no bytes", ok("writes nothing"), 1, new byte[0])
                .bad("an unmapped address", signal(Signal.SIGSEGV), 0, 0x10000L)
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "fill(long,long,byte)", f -> f.a, f -> args(f.buf, 16L, (byte) 'x'))
                .bad("length -1", iae("must not be negative"), 1, -1L)
                .bad("length 0", ok("writes nothing"), 1, 0L)
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "fork()", f -> f.a, f -> args())
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "fork(String)", f -> f.a, f -> args("kid"))
                .nullOk("childName", "null names the child after the parent, as fork() does")
                .bad("an empty name", iae("name the child"), 0, "")
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "exit()", f -> f.a, f -> args())
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "pipe()", f -> f.a, f -> args())
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "vmsplice(Pipe,long,int)", f -> f.a, f -> args(f.pipe, f.buf, 16))
                .bad("a pipe of another kernel", iae(OTHER), 0, f -> f.pipe2)
                .bad("length 0", ok("vmsplice of an empty iovec returns 0"), 2, 0)
                .bad("length -1", errno(EINVAL, "negative"), 2, -1)
                .nested("an unmapped address", errno(EFAULT, "no VMA"), f -> args(f.pipe, 0x10000L, 16))
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "ioUringSetup()", f -> f.a, f -> args())
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "setRlimitMemlock(long)", f -> f.a, f -> args((long) PAGE))
                .bad("-1 bytes", iae("must not be negative"), 0, -1L)
                .bad("0 bytes", ok("RLIMIT_MEMLOCK 0 is a valid limit"), 0, 0L)
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "setCapIpcLock(boolean)", f -> f.a, f -> args(true))
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "registerMmuNotifier(MmuNotifierListener)", f -> f.a, f -> args(LISTENER))
                .on("a listener already registered", iae("already registered"), f -> {
                    f.a.registerMmuNotifier(LISTENER);
                    return f.a;
                })
                .on("an exited process", ise(DEAD), f -> f.dead);
        t.method(Process.class, "unregisterMmuNotifier(MmuNotifierListener)", f -> f.a, f -> args(LISTENER))
                .bad("a listener that is not registered", iae("not registered"), 0, LISTENER)
                .on("an exited process", iae("dropped its subscribers"), f -> f.dead);
        t.method(Process.class, "insertIntervalNotifier(long,long,MmuIntervalNotifierOps,String)", f -> f.a,
                        f -> args(f.buf, (long) PAGE, BadInputFixture.MIRROR, "n"))
                .bad("length 0", errno(EOVERFLOW, "__mmu_interval_notifier_insert"), 1, 0L)
                .bad("length -1: start + length - 1 wraps", errno(EOVERFLOW, "__mmu_interval_notifier_insert"), 1, -1L)
                .bad("start -4096, above TASK_SIZE", iae("outside the user address space"), 0, (long) -PAGE)
                .bad("a range across TASK_SIZE", iae("outside the user address space"), f -> args(TOP - PAGE, 2L * PAGE, BadInputFixture.MIRROR, "n"))
                .on("an exited process", ise(DEAD), f -> f.dead);
    }

    // ------------------------------------------------------------------ GUP: Process, pages

    static void gup(BadInputTable<BadInputFixture> t) {
        for (String fn : List.of("getUserPages", "pinUserPages", "getUserPagesFast", "pinUserPagesFast")) {
            boolean pin = fn.startsWith("pin");
            t.method(Process.class, fn + "(long,int,int,String)", f -> f.a, f -> args(f.buf, 1, 0, "x"))
                    .bad("a blank holder", iae("holder"), 3, " ")
                    .bad("-1 pages", errno(EINVAL, "negative"), 1, -1)
                    .bad("0 pages of a bad address", ok("no pages asked, none taken"), f -> args(-1L, 0, 0, "x"))
                    .bad(pin ? "FOLL_GET" : "FOLL_PIN", errno(EINVAL, pin ? "FOLL_GET passed" : "FOLL_PIN passed"), 2, pin ? Foll.GET : Foll.PIN)
                    .bad("an unknown flag", errno(EINVAL, "unknown GUP flags"), 2, 0x2)
                    .nested("an unmapped address", errno(EFAULT, "no VMA"), f -> args(0x10000L, 1, 0, "x"))
                    .bad("address -4096", errno(EFAULT, "outside the user address space"), 0, (long) -PAGE)
                    .bad("a range across TASK_SIZE", errno(EFAULT, fn.endsWith("Fast") ? "outside the user address space" : "no VMA"),
                            f -> args(TOP - PAGE, 2, 0, "x"))
                    .bad("2^20 pages of a 2-page buffer", ok("GUP returns short, as the kernel does"), 1, 1 << 20)
                    .bad("Integer.MAX_VALUE pages, past TASK_SIZE", fn.endsWith("Fast")
                            ? errno(EFAULT, "outside the user address space") : ok("the slow path walks page by page and returns short"), 1, Integer.MAX_VALUE)
                    .on("an exited process", ise(DEAD), f -> f.dead);
        }
        t.method(Process.class, "getUserPages(long,int,int,String)", f -> f.a, f -> args(f.buf, 1, Foll.LONGTERM, "x"))
                .bad("FOLL_LONGTERM with a plain reference", errno(EINVAL, "must use pin_user_pages()"), 2, Foll.LONGTERM);

        t.type(GupPages.class);
        t.noInput(GupPages.class, "count()", "requested()", "start()", "isPin()", "flags()", "holder()", "process()", "isReleased()");
        for (String index : List.of("frame(int)", "address(int)", "isCoherent(int)")) {
            t.method(GupPages.class, index, f -> f.pins, f -> args(0))
                    .bad("-1", ioobe("valid indexes are 0 to 0"), 0, -1)
                    .bad("1", ioobe("valid indexes are 0 to 0"), 0, 1)
                    .on("released pages", ok("the frames they held are still known"), f -> f.released);
        }
        t.method(GupPages.class, "read(long,int)", f -> f.pins, f -> args(0L, 16))
                .bad("offset -1", iae("outside the 1 held pages"), 0, -1L)
                .bad("length -1", iae("outside the 1 held pages"), 1, -1)
                .bad("a span past the held pages", iae("outside the 1 held pages"), f -> args((long) PAGE - 8, 16))
                .bad("offset Long.MAX_VALUE", iae("outside the 1 held pages"), 0, Long.MAX_VALUE)
                .on("released pages", ise("already released"), f -> f.released);
        t.method(GupPages.class, "write(long,byte[])", f -> f.pins, f -> args(0L, new byte[16]))
                .bad("offset -1", iae("outside the 1 held pages"), 0, -1L)
                .bad("a span past the held pages", iae("outside the 1 held pages"), 0, (long) PAGE - 8)
                .bad("offset Long.MAX_VALUE", iae("outside the 1 held pages"), 0, Long.MAX_VALUE)
                .on("pages taken for reading", ise("Foll.WRITE"), f -> f.readPins)
                .on("released pages", ise("already released"), f -> f.released);
        t.method(GupPages.class, "release()", f -> f.refs, f -> args())
                .on("pins", ise("release them with unpin"), f -> f.pins)
                .on("references already released", bug("refcount-underflow"), f -> {
                    f.refs.release();
                    return f.refs;
                });
        t.method(GupPages.class, "unpin(boolean)", f -> f.pins, f -> args(true))
                .on("plain references", ise("release them with release()"), f -> f.refs)
                .on("pins already unpinned", bug("refcount-underflow"), f -> f.released);
        t.method(GupPages.class, "merge(List)", f -> args(List.of(f.pins)))
                .bad("null", npe("parts"), 0, (Object) null)
                .bad("no parts", iae("no parts to merge"), 0, List.of())
                .bad("a null part", npe("part 1"), f -> args(java.util.Arrays.asList(f.pins, null)))
                .bad("pins and plain references", iae("kind (pins and plain references)"), f -> args(List.of(f.pins, f.refs)))
                .bad("the same part twice", iae("must be contiguous"), f -> args(List.of(f.pins, f.pins)))
                .bad("a released part", ise("already released"), f -> args(List.of(f.released)))
                .bad("parts of two processes", iae("merge only the pages of one process"), f -> args(List.of(f.pins, f.pins2)));
        t.type(Frame.class);
        t.noInput(Frame.class, "pfn()", "isZeroPage()", "isFree()", "isAnon()", "isAnonExclusive()", "isDirty()", "hasBuffers()", "isDax()",
                "isInPageCache()", "isInSwapCache()", "mapcount()", "pincount()", "refcount()", "maybeDmaPinned()", "holders()", "describeContent()",
                "isCompound()", "compoundHead()", "nrPages()", "entireMapcount()", "isDummyPage()");
        t.method(Frame.class, "read(int,int)", f -> f.frame, f -> args(0, 16))
                .bad("offset -1", iae("within one page"), 0, -1)
                .bad("length -1", iae("within one page"), 1, -1)
                .bad("a span past the page", iae("within one page"), 0, PAGE - 8)
                .bad("length Integer.MAX_VALUE", iae("within one page"), f -> args(16, Integer.MAX_VALUE));
    }

    // ------------------------------------------------------------------ Task, GUP-fast and fork as steps

    static void task(BadInputTable<BadInputFixture> t) {
        t.type(Task.class).type(GupFast.class).type(ForkSteps.class);
        t.noInput(Task.class, "process()", "tid()", "name()", "actor()");
        for (String fn : List.of("pinUserPagesFastSteps", "getUserPagesFastSteps", "pinUserPagesSteps", "getUserPagesSteps")) {
            boolean pin = fn.startsWith("pin");
            t.method(Task.class, fn + "(long,int,int,String)", f -> f.t2, f -> args(f.buf, 1, 0, "x"))
                    .bad("a blank holder", iae("holder"), 3, "")
                    .bad("-1 pages", errno(EINVAL, "negative"), 1, -1)
                    .bad(pin ? "FOLL_GET" : "FOLL_PIN", errno(EINVAL, "passed to"), 2, pin ? Foll.GET : Foll.PIN)
                    .bad("address -4096", errno(EFAULT, "outside the user address space"), 0, (long) -PAGE)
                    .on("a thread of an exited process", ise(DEAD), f -> f.deadThread);
        }
        t.type(GupSteps.class);
        t.noInput(GupSteps.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "holds()", "waitsFor()");
        t.method(GupSteps.class, "step()", f -> f.t2.pinUserPagesSteps(f.buf, 1, 0, "x"), f -> args())
                .on("a GUP that is done", ise("already done"), f -> {
                    GupSteps g = f.t2.pinUserPagesSteps(f.buf, 1, 0, "x");
                    g.run().unpin(false);
                    return g;
                });
        t.method(GupSteps.class, "run()", f -> f.t2.getUserPagesSteps(f.buf, 1, 0, "x"), f -> args())
                .on("a GUP that is done", ok("returns its pages again"), f -> {
                    GupSteps g = f.t2.getUserPagesSteps(f.buf, 1, 0, "x");
                    g.run();
                    return g;
                });
        t.method(GupSteps.class, "result()", f -> {
            GupSteps g = f.t2.getUserPagesSteps(f.buf, 1, 0, "x");
            g.run();
            return g;
        }, f -> args()).on("a GUP that has not run", ise("not done yet"), f -> f.t2.getUserPagesSteps(f.buf, 1, 0, "x"));
        t.type(WriteFaultSteps.class);
        t.method(Task.class, "writeSteps(long,byte)", f -> f.t2, f -> args(f.buf, (byte) 'W'))
                .bad("address -4096", ok("the store's first step kills the process with SIGSEGV, as the CPU would"), 0, (long) -PAGE)
                .on("a thread of an exited process", ise(DEAD), f -> f.deadThread);
        t.noInput(WriteFaultSteps.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "holds()", "waitsFor()");
        t.method(WriteFaultSteps.class, "step()", f -> f.t2.writeSteps(f.buf, (byte) 'W'), f -> args())
                .on("a store that is done", ise("already done"), f -> {
                    WriteFaultSteps w = f.t2.writeSteps(f.buf, (byte) 'W');
                    w.run();
                    return w;
                });
        t.method(WriteFaultSteps.class, "run()", f -> f.t2.writeSteps(f.buf, (byte) 'W'), f -> args())
                .on("a store that is done", ok("does nothing"), f -> {
                    WriteFaultSteps w = f.t2.writeSteps(f.buf, (byte) 'W');
                    w.run();
                    return w;
                });
        t.method(Task.class, "forkSteps(String)", f -> f.t2, f -> args("kid"))
                .nullOk("childName", "null names the child after the parent")
                .bad("an empty name", iae("name the child"), 0, "")
                .on("a thread of an exited process", ise(DEAD), f -> f.deadThread);
        t.method(Task.class, "munmapSteps(long,long)", f -> f.t2, f -> args(f.buf, (long) PAGE))
                .bad("an unaligned address", errno(EINVAL, "not page aligned"), 0, f -> f.buf + 8)
                .bad("length 0", errno(EINVAL, "length is 0"), 1, 0L)
                .bad("address -4096", errno(EINVAL, "outside the user address space"), 0, (long) -PAGE)
                .bad("an unmapped range", ok("munmap of nothing is not an error"), 0, 0x10000L)
                .on("a thread of an exited process", ise(DEAD), f -> f.deadThread);
        t.method(Task.class, "madviseSteps(long,long,Advice)", f -> f.t2, f -> args(f.buf, (long) PAGE, Advice.DONTNEED))
                .bad("an advice other than DONTNEED", iae("only MADV_DONTNEED is"), 2, Advice.PAGEOUT)
                .bad("an unaligned address", errno(EINVAL, "not page aligned"), 0, f -> f.buf + 8)
                .bad("length 0", errno(EINVAL, "not a positive length"), 1, 0L)
                .bad("an unmapped range", errno(ENOMEM, "is not mapped"), 0, 0x10000L)
                .on("a thread of an exited process", ise(DEAD), f -> f.deadThread);
        t.noInput(GupFast.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "holds()", "waitsFor()");
        t.method(GupFast.class, "step()", f -> f.doneGup, f -> args())
                .on("a GUP that is done", ise("already done"), f -> f.doneGup);
        t.method(GupFast.class, "run()", f -> f.t2.pinUserPagesFastSteps(f.buf, 1, 0, "x"), f -> args())
                .on("a GUP that is done", ok("returns its pages again"), f -> f.doneGup);
        t.method(GupFast.class, "result()", f -> f.doneGup, f -> args())
                .on("a GUP that has not run", ise("not done yet"), f -> f.t2.pinUserPagesFastSteps(f.buf, 1, 0, "x"));
        t.noInput(ForkSteps.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "holds()", "waitsFor()");
        t.method(ForkSteps.class, "step()", f -> f.doneFork, f -> args())
                .on("a fork that is done", ise("already done"), f -> f.doneFork);
        t.method(ForkSteps.class, "run()", f -> f.doneFork, f -> args())
                .on("a fork that is done", ise("already done"), f -> f.doneFork);
        t.method(ForkSteps.class, "child()", f -> f.doneFork, f -> args())
                .on("a fork that has not run", ise("not done yet"), f -> f.t2.forkSteps("kid"));
    }

    // ------------------------------------------------------------------ Filesystem, Inode

    static void files(BadInputTable<BadInputFixture> t) {
        t.type(Filesystem.class).type(Inode.class).type(SimpleDisk.class);
        t.noInput(Filesystem.class, "kind()", "name()", "kernel()", "files()");
        t.method(Filesystem.class, "device()", f -> f.ext4, f -> args())
                .on("tmpfs", ise("no block device"), f -> f.tmpfs);
        t.method(Filesystem.class, "create(String)", f -> f.tmpfs, f -> args("new"))
                .bad("an empty name", errno(ENOENT, "empty"), 0, "")
                .bad("a name with '/'", iae("no directories"), 0, "d/f")
                .bad("a name that exists", errno(EEXIST, "exists"), 0, "s");
        t.method(Filesystem.class, "create(String,byte[])", f -> f.tmpfs, f -> args("new", new byte[4]))
                .bad("an empty name", errno(ENOENT, "empty"), 0, "")
                .bad("a name with '/'", iae("no directories"), 0, "/f")
                .bad("a name that exists", errno(EEXIST, "exists"), 0, "s");
        t.method(Filesystem.class, "file(String)", f -> f.tmpfs, f -> args("s"))
                .bad("a file that does not exist", iae("create it with create(\"nope\")"), 0, "nope");
        t.noInput(Inode.class, "name()", "filesystem()", "ino()", "size()", "cachedPages()", "dirtyPages()");
        t.method(Inode.class, "cachedPage(long)", f -> f.file, f -> args(0L))
                .bad("index -1", iae("must not be negative"), 0, -1L)
                .bad("an index past EOF", ok("not cached: null"), 0, Long.MAX_VALUE);
        t.method(Inode.class, "hasBlock(long)", f -> f.file, f -> args(0L))
                .bad("index -1", iae("must not be negative"), 0, -1L)
                .bad("an index past EOF", ok("no block: false"), 0, Long.MAX_VALUE);
        for (String read : List.of("read(long,int)", "readDisk(long,int)")) {
            t.method(Inode.class, read, f -> f.file, f -> args(0L, 16))
                    .bad("offset -1", iae("must not be negative"), 0, -1L)
                    .bad("length -1", iae("must not be negative"), 1, -1)
                    .bad("offset Long.MAX_VALUE", ok("past EOF: nothing"), 0, Long.MAX_VALUE)
                    .bad("length Integer.MAX_VALUE", ok("stops at EOF"), 1, Integer.MAX_VALUE);
        }
        t.method(Inode.class, "readDisk(long,int)", f -> f.shm, f -> args(0L, 16))
                .on("a tmpfs file", ise("no separate disk copy"), f -> f.shm);
        t.noInput(SimpleDisk.class, "name()", "inflight()", "completeAll()");
        t.method(SimpleDisk.class, "<init>(String)", f -> args("sdz"));
        t.method(SimpleDisk.class, "submit(Bio)", f -> f.ext4.device(), f -> args(f.flyingDio.bio()))
                .bad("a bio that is done", iae("already complete"), 0, f -> f.doneDio.bio());
        t.method(SimpleDisk.class, "completeNext()", f -> f.ext4.device(), f -> args())
                .on("a disk with nothing in flight", ise("no bio in flight"), f -> new SimpleDisk("sdz"));
        t.method(SimpleDisk.class, "complete(int)", f -> f.ext4.device(), f -> args(f.flyingDio.bio().id()))
                .bad("an id not in flight", iae("no bio#99 in flight"), 0, 99)
                .bad("id -1", iae("no bio#-1 in flight"), 0, -1);
    }

    // ------------------------------------------------------------------ OpenFile, DirectIo, TruncateOp, Bio

    static void openFile(BadInputTable<BadInputFixture> t) {
        t.type(OpenFile.class).type(DirectIo.class).type(TruncateOp.class).type(Bio.class);
        t.noInput(OpenFile.class, "inode()", "process()", "fd()", "isDirect()", "isClosed()");
        for (String io : List.of("read(long,int)", "write(long,int)")) {
            boolean write = io.startsWith("write");
            t.method(OpenFile.class, io, f -> f.rw, f -> args(f.buf, 16))
                    .bad("length -1", errno(EINVAL, "negative length"), 1, -1)
                    .bad("length 0", ok("transfers nothing"), 1, 0)
                    .bad("a buffer above TASK_SIZE", errno(EFAULT, "access_ok"), 0, (long) -PAGE)
                    .bad("an unmapped buffer", write ? errno(EFAULT, "bad user buffer")
                            : errno(EFAULT, "bad user buffer").leaving("the page cache keeps the pages filemap_read() read in"), 0, 0x10000L)
                    .on(write ? "a file open only for reading" : "a file open only for writing", errno(EBADF, "not open for"),
                            f -> write ? f.rdonly : f.wronly)
                    .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                    .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        }
        t.method(OpenFile.class, "pread(long,int,long)", f -> f.rw, f -> args(f.buf, 16, 0L))
                .bad("offset -1", errno(EINVAL, "negative offset"), 2, -1L)
                .bad("length -1", errno(EINVAL, "negative length"), 1, -1)
                .bad("offset + length past Long.MAX_VALUE", errno(EINVAL, "rw_verify_area"), 2, Long.MAX_VALUE - 4)
                .bad("an offset past EOF", ok("reads 0 bytes"), 2, 1L << 40)
                .bad("a buffer above TASK_SIZE", errno(EFAULT, "access_ok"), 0, (long) -PAGE)
                .bad("an unmapped buffer", errno(EFAULT, "bad user buffer").leaving("the page cache keeps the pages filemap_read() read in"), 0, 0x10000L)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file open only for writing", errno(EBADF, "not open for reading"), f -> f.wronly)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.method(OpenFile.class, "pread(long,int)", f -> f.rw, f -> args(0L, 16))
                .bad("offset -1", errno(EINVAL, "negative offset"), 0, -1L)
                .bad("length -1", errno(EINVAL, "negative length"), 1, -1)
                .bad("length Integer.MAX_VALUE", ok("stops at EOF"), 1, Integer.MAX_VALUE)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.method(OpenFile.class, "pwrite(long,int,long)", f -> f.rw, f -> args(f.buf, 16, 0L))
                .bad("offset -1", errno(EINVAL, "negative offset"), 2, -1L)
                .bad("length -1", errno(EINVAL, "negative length"), 1, -1)
                .bad("offset + length past Long.MAX_VALUE", errno(EINVAL, "rw_verify_area"), 2, Long.MAX_VALUE - 4)
                .bad("an offset past ext4's s_maxbytes", errno(EFBIG, "s_maxbytes"), 2, 1L << 50)
                .bad("a buffer above TASK_SIZE", errno(EFAULT, "access_ok"), 0, (long) -PAGE)
                .bad("an unmapped buffer", errno(EFAULT, "bad user buffer"), 0, 0x10000L)
                .on("a file open only for reading", errno(EBADF, "not open for writing"), f -> f.rdonly)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.method(OpenFile.class, "pwrite(byte[],long)", f -> f.rw, f -> args(new byte[16], 0L))
                .bad("offset -1", errno(EINVAL, "negative offset"), 1, -1L)
                .bad("offset + length past Long.MAX_VALUE", errno(EINVAL, "rw_verify_area"), 1, Long.MAX_VALUE - 4)
                .bad("an offset past ext4's s_maxbytes", errno(EFBIG, "s_maxbytes"), 1, 1L << 50)
                .on("an O_DIRECT file", ise("needs user memory"), f -> f.direct)
                .on("a file open only for reading", errno(EBADF, "not open for writing"), f -> f.rdonly)
                .on("a hugetlbfs memfd (no write_iter)", errno(EINVAL, "no write()"), f -> f.a.memfdCreate("h", MemfdFlags.HUGETLB))
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.method(OpenFile.class, "addSeals(int)", f -> f.a.memfdCreate("s", MemfdFlags.ALLOW_SEALING), f -> args(SealFlags.GROW))
                .bad("an unknown seal", errno(EINVAL, "unknown seals"), 0, 0x40)
                .on("F_SEAL_WRITE with a shared mapping", errno(EBUSY, "mapping_deny_writable"), f -> {
                    OpenFile m = f.a.memfdCreate("s", MemfdFlags.ALLOW_SEALING);
                    m.ftruncate(PAGE);
                    f.a.mmap(0, PAGE, Prot.READ, MapFlags.SHARED, m, 0);
                    return m;
                }, f -> args(SealFlags.WRITE))
                .on("a memfd without MFD_ALLOW_SEALING", errno(EPERM, "F_SEAL_SEAL"), f -> f.a.memfdCreate("s", 0))
                .on("an ext4 file", errno(EINVAL, "no seals"), f -> f.rw)
                .on("a file open only for reading", errno(EPERM, "not open for writing"), f -> f.rdonly)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.method(OpenFile.class, "getSeals()", f -> f.a.memfdCreate("s", 0), f -> args())
                .on("an ext4 file", errno(EINVAL, "no seals"), f -> f.rw)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.method(OpenFile.class, "fsync()", f -> f.rw, f -> args())
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.method(OpenFile.class, "writeback()", f -> f.rw, f -> args())
                .on("a closed file", ok("the flusher writes back the inode, whatever the descriptor"), f -> f.closed)
                .on("a file of an exited process", ok("the flusher writes back the inode, whatever the process"), f -> f.deadFile);
        t.type(WritebackSteps.class);
        t.method(OpenFile.class, "writebackSteps()", f -> f.rw, f -> args())
                .on("a closed file", ok("the flusher writes back the inode, whatever the descriptor"), f -> f.closed)
                .on("a file of an exited process", ok("the flusher writes back the inode, whatever the process"), f -> f.deadFile);
        t.noInput(WritebackSteps.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "holds()", "waitsFor()");
        t.method(WritebackSteps.class, "step()", f -> f.rw.writebackSteps(), f -> args())
                .on("a writeback that is done", ise("already done"), f -> {
                    WritebackSteps w = f.rw.writebackSteps();
                    w.run();
                    return w;
                });
        t.method(WritebackSteps.class, "run()", f -> f.rw.writebackSteps(), f -> args())
                .on("a writeback that is done", ok("writes nothing more"), f -> {
                    WritebackSteps w = f.rw.writebackSteps();
                    w.run();
                    return w;
                });
        for (String truncate : List.of("ftruncate(long)", "startTruncate(long)")) {
            t.method(OpenFile.class, truncate, f -> f.rw, f -> args((long) PAGE))
                    .bad("size -1", errno(EINVAL, "negative length"), 0, -1L)
                    .bad("a size past ext4's s_maxbytes", errno(EFBIG, "s_maxbytes"), 0, 1L << 50)
                    .on("a file open only for reading", errno(EINVAL, "not open for writing"), f -> f.rdonly)
                    .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                    .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        }
        t.type(TruncateSteps.class);
        t.method(OpenFile.class, "truncateSteps(Task,long)", f -> f.rw, f -> args(f.t2, (long) PAGE))
                .bad("size -1", errno(EINVAL, "negative length"), 1, -1L)
                .bad("a size past ext4's s_maxbytes", errno(EFBIG, "s_maxbytes"), 1, 1L << 50)
                .bad("a thread of another process", iae("not a thread of process"), 0, f -> f.deadThread)
                .on("a file open only for reading", errno(EINVAL, "not open for writing"), f -> f.rdonly)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file with direct I/O in flight", ok("its inode_dio_wait() step waits for it"), f -> f.direct)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.noInput(TruncateSteps.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "holds()", "waitsFor()");
        t.method(TruncateSteps.class, "step()", f -> f.rw.truncateSteps(f.t2, 3L * PAGE), f -> args())
                .on("a truncate that is done", ise("already done"), f -> {
                    TruncateSteps s = f.rw.truncateSteps(f.t2, 2L * PAGE);
                    s.run();
                    return s;
                });
        t.method(TruncateSteps.class, "run()", f -> f.rw.truncateSteps(f.t2, 3L * PAGE), f -> args())
                .on("a truncate that is done", ok("does nothing"), f -> {
                    TruncateSteps s = f.rw.truncateSteps(f.t2, 2L * PAGE);
                    s.run();
                    return s;
                });
        t.method(OpenFile.class, "ftruncate(long)", f -> f.rw, f -> args((long) PAGE))
                .on("a file with direct I/O in flight", ise("use startTruncate(0)"), f -> f.direct, f -> args(0L))
                .on("a hugetlbfs memfd and a size that is not a multiple of 2 MiB", errno(EINVAL, "hugetlbfs_setattr"), f -> f.a.memfdCreate("h", MemfdFlags.HUGETLB),
                        f -> args((long) PAGE));
        for (String punch : List.of("punchHole(long,long)", "startPunchHole(long,long)")) {
            t.method(OpenFile.class, punch, f -> f.rw, f -> args(0L, (long) PAGE))
                    .bad("offset -1", errno(EINVAL, "negative offset"), 0, -1L)
                    .bad("length 0", errno(EINVAL, "length must be positive"), 1, 0L)
                    .bad("length -1", errno(EINVAL, "length must be positive"), 1, -1L)
                    .bad("offset + length past Long.MAX_VALUE", errno(EFBIG, "vfs_fallocate"), 0, Long.MAX_VALUE - 4)
                    .bad("a range past ext4's s_maxbytes", errno(EFBIG, "vfs_fallocate"), 0, 1L << 50)
                    .bad("a range past EOF", ok("nothing beyond i_size to punch"), 0, 1L << 30)
                    .on("a hugetlbfs memfd (hugetlbfs_punch_hole() is not modelled)", ise("not modelled"), f -> f.a.memfdCreate("h", MemfdFlags.HUGETLB))
                    .on("a file open only for reading", errno(EBADF, "not open for writing"), f -> f.rdonly)
                    .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                    .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        }
        t.method(OpenFile.class, "fallocate(int,long,long)", f -> f.rw, f -> args(0, 0L, (long) PAGE))
                .bad("offset -1", errno(EINVAL, "negative offset"), 1, -1L)
                .bad("length 0", errno(EINVAL, "length must be positive"), 2, 0L)
                .bad("unknown mode bits", errno(Errno.EOPNOTSUPP, "FALLOC_FL_SUPPORTED_MASK"), 0, 0x100)
                .bad("PUNCH_HOLE without KEEP_SIZE", errno(Errno.EOPNOTSUPP, "must have keep size"), 0, FallocFlags.PUNCH_HOLE)
                .bad("PUNCH_HOLE|ZERO_RANGE", errno(Errno.EOPNOTSUPP, "mutually exclusive"), 0, FallocFlags.PUNCH_HOLE | FallocFlags.ZERO_RANGE | FallocFlags.KEEP_SIZE)
                .bad("COLLAPSE_RANGE|KEEP_SIZE", errno(EINVAL, "used alone"), 0, FallocFlags.COLLAPSE_RANGE | FallocFlags.KEEP_SIZE)
                .bad("UNSHARE_RANGE|ZERO_RANGE", errno(EINVAL, "only with allocate mode"), 0, FallocFlags.UNSHARE_RANGE | FallocFlags.ZERO_RANGE)
                .bad("ZERO_RANGE on ext4 (not modelled)", iae("not modelled"), 0, FallocFlags.ZERO_RANGE)
                .bad("offset + length past Long.MAX_VALUE", errno(EFBIG, "vfs_fallocate"), 2, Long.MAX_VALUE - 4)
                .bad("a range past ext4's s_maxbytes", errno(EFBIG, "vfs_fallocate"), 2, 1L << 50)
                .bad("PUNCH_HOLE|KEEP_SIZE", ok("punches the hole (punchHole())"), 0, FallocFlags.PUNCH_HOLE | FallocFlags.KEEP_SIZE)
                .bad("KEEP_SIZE", ok("allocates blocks, i_size stays"), 0, FallocFlags.KEEP_SIZE)
                .on("a tmpfs file and ZERO_RANGE", errno(Errno.EOPNOTSUPP, "shmem_fallocate"), f -> f.a.open(f.shm, OpenFlags.RDWR), f -> args(FallocFlags.ZERO_RANGE, 0L, (long) PAGE))
                .on("a hugetlbfs memfd and an empty pool", errno(Errno.ENOSPC, "alloc_hugetlb_folio"), f -> f.a.memfdCreate("h", MemfdFlags.HUGETLB))
                .on("a file with direct I/O in flight", ise("inode_dio_wait"), f -> f.direct)
                .on("a file open only for reading", errno(EBADF, "not open for writing"), f -> f.rdonly)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.method(OpenFile.class, "punchHole(long,long)", f -> f.rw, f -> args(0L, (long) PAGE))
                .on("a file with direct I/O in flight", ise("use startPunchHole(0, 4096)"), f -> f.direct);
        t.type(PunchHoleSteps.class);
        t.method(OpenFile.class, "punchHoleSteps(Task,long,long)", f -> f.rw, f -> args(f.t2, 0L, (long) PAGE))
                .bad("offset -1", errno(EINVAL, "negative offset"), 1, -1L)
                .bad("length 0", errno(EINVAL, "length must be positive"), 2, 0L)
                .bad("offset + length past Long.MAX_VALUE", errno(EFBIG, "vfs_fallocate"), 1, Long.MAX_VALUE - 4)
                .bad("a range past EOF", ok("nothing beyond i_size to punch"), 1, 1L << 30)
                .bad("a thread of another process", iae("not a thread of process"), 0, f -> f.deadThread)
                .on("a file open only for reading", errno(EBADF, "not open for writing"), f -> f.rdonly)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file with direct I/O in flight", ok("its inode_dio_wait() step waits for it"), f -> f.direct)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.noInput(PunchHoleSteps.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "holds()", "waitsFor()");
        t.method(PunchHoleSteps.class, "step()", f -> f.rw.punchHoleSteps(f.t2, 0L, (long) PAGE), f -> args())
                .on("a punch that is done", ise("already done"), f -> {
                    PunchHoleSteps s = f.rw.punchHoleSteps(f.t2, 0L, (long) PAGE);
                    s.run();
                    return s;
                });
        t.method(PunchHoleSteps.class, "run()", f -> f.rw.punchHoleSteps(f.t2, 0L, (long) PAGE), f -> args())
                .on("a punch that is done", ok("does nothing"), f -> {
                    PunchHoleSteps s = f.rw.punchHoleSteps(f.t2, 0L, (long) PAGE);
                    s.run();
                    return s;
                });
        t.method(OpenFile.class, "close()", f -> f.rw, f -> args())
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.method(OpenFile.class, "setLayoutLease(boolean)", f -> f.rw, f -> args(true))
                .on("a kernel without layout leases (every shipped one)", errno(EINVAL, "F_LAYOUT is not a lease type"), f -> f.rw)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.method(OpenFile.class, "releaseLayoutLease()", f -> f.rw, f -> args())
                .on("a file without a lease", ok("F_UNLCK of no lease does nothing"), f -> f.rw)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closed)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.noInput(OpenFile.class, "isLayoutLeaseBroken()");
        for (String dio : List.of("startDirectRead(long,int,long)", "startDirectWrite(long,int,long)")) {
            boolean write = dio.contains("Write");
            t.method(OpenFile.class, dio, f -> f.direct, f -> args(f.buf, 512, 0L))
                    .bad("an unaligned offset", errno(EINVAL, "logical block size"), 2, 100L)
                    .bad("an unaligned length", errno(EINVAL, "logical block size"), 1, 100)
                    .bad("an unaligned buffer", errno(EINVAL, "logical block size"), 0, f -> f.buf + 8)
                    .bad("offset -512", errno(EINVAL, "negative"), 2, -512L)
                    .bad("length -512", errno(EINVAL, "negative"), 1, -512)
                    .bad("offset + length past Long.MAX_VALUE", errno(EINVAL, "rw_verify_area"), 2, Long.MAX_VALUE - 511)
                    .bad("length 0", ok("transfers nothing"), 1, 0)
                    .nested("an unmapped buffer", errno(EFAULT, "no VMA"), f -> args(0x10000L, 512, 0L))
                    .on("a file without O_DIRECT", ise("OpenFlags.DIRECT"), f -> f.rw)
                    .on("a closed file", errno(EBADF, "closed"), f -> f.closedDirect)
                    .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
            if (write) {
                t.method(OpenFile.class, dio, f -> f.direct, f -> args(f.buf, 512, 0L))
                        .bad("an offset past ext4's s_maxbytes", errno(EFBIG, "s_maxbytes"), 2, 1L << 50);
            }
        }
        t.type(DirectReadSteps.class);
        t.method(OpenFile.class, "preadDirectSteps(Task,long,int,long)", f -> f.direct, f -> args(f.t2, f.buf, 512, 0L))
                .bad("an unaligned offset", errno(EINVAL, "logical block size"), 3, 100L)
                .bad("an unaligned length", errno(EINVAL, "logical block size"), 2, 100)
                .bad("length -512", errno(EINVAL, "negative"), 2, -512)
                .bad("a thread of another process", iae("not a thread of process"), 0, f -> f.deadThread)
                .on("a file without O_DIRECT", ise("OpenFlags.DIRECT"), f -> f.rw)
                .on("a closed file", errno(EBADF, "closed"), f -> f.closedDirect)
                .on("a file of an exited process", ise(DEAD), f -> f.deadFile);
        t.noInput(DirectReadSteps.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "holds()", "waitsFor()", "request()");
        t.method(DirectReadSteps.class, "step()", f -> f.doneRead, f -> args())
                .on("a read that is done", ise("already done"), f -> f.doneRead);
        t.method(DirectReadSteps.class, "run()", f -> f.direct.preadDirectSteps(f.t2, f.buf, 512, 0), f -> args())
                .on("a read that is done", ok("returns its result again"), f -> f.doneRead);
        t.method(DirectReadSteps.class, "result()", f -> f.doneRead, f -> args())
                .on("a read that has not run", ise("not done yet"), f -> f.direct.preadDirectSteps(f.t2, f.buf, 512, 0));
        t.noInput(DirectIo.class, "isWrite()", "offset()", "userAddress()", "length()", "transferLength()", "isDone()", "pages()", "bio()", "name()");
        t.method(DirectIo.class, "result()", f -> f.doneDio, f -> args())
                .on("a request in flight", ise("still in flight"), f -> f.flyingDio);
        t.method(DirectIo.class, "complete()", f -> f.flyingDio, f -> args())
                .on("a request that is done", ise("already complete"), f -> f.doneDio);
        t.noInput(TruncateOp.class, "isDone()", "waitingFor()");
        t.noInput(Bio.class, "id()", "isWrite()", "offset()", "length()", "request()", "isDone()");
        t.method(Bio.class, "complete()", f -> f.flyingDio.bio(), f -> args())
                .on("a bio that is done", ise("already complete"), f -> f.doneDio.bio());
    }

    // ------------------------------------------------------------------ Pipe, IoUring

    static void io(BadInputTable<BadInputFixture> t) {
        t.type(Pipe.class).type(IoUring.class);
        t.noInput(Pipe.class, "name()", "available()");
        t.method(Pipe.class, "read(Process,int)", f -> f.pipe, f -> args(f.a, 16))
                .bad("a reader of another kernel", iae(OTHER), 0, f -> f.b)
                .bad("an exited reader", ise(DEAD), 0, f -> f.dead)
                .bad("length -1", iae("must not be negative"), 1, -1)
                .bad("length 0", ok("reads nothing"), 1, 0);
        t.noInput(IoUring.class, "name()", "bufferCount()");
        t.method(IoUring.class, "buffer(int)", f -> f.ring, f -> args(0))
                .bad("-1", ioobe("valid indexes are 0 to 0"), 0, -1)
                .bad("1", ioobe("valid indexes are 0 to 0"), 0, 1)
                .on("a ring without buffers", ioobe("no registered buffers"), f -> f.emptyRing);
        t.method(IoUring.class, "registerBuffer(long,int)", f -> f.ring, f -> args(f.buf, PAGE))
                .bad("length 0", errno(EINVAL, "positive length"), 1, 0)
                .bad("length -1", errno(EINVAL, "positive length"), 1, -1)
                .bad("more than 1 GiB", errno(EFAULT, "io_buffer_validate"), 1, (1 << 30) + 1)
                .bad("address -4096", errno(EFAULT, "outside the user address space"), 0, (long) -PAGE)
                .bad("an unaligned address", ok("the buffer may start anywhere in a page"), 0, f -> f.buf + 8)
                .nested("an unmapped address", errno(EFAULT, "no VMA"), f -> args(0x10000L, PAGE))
                .on("a closed ring", errno(EBADF, "is closed"), f -> f.closedRing)
                .on("a ring whose owner exited", ise(DEAD), f -> f.deadRing);
        for (String op : List.of("readFixed", "writeFixed")) {
            boolean write = op.startsWith("write");
            t.method(IoUring.class, op + "(Process,OpenFile,long,int,int,int)", f -> f.ring, f -> args(f.a, f.rw, 0L, 0, 0, 16))
                    .bad("a submitter of another kernel", iae(OTHER), 0, f -> f.b)
                    .bad("a file of another kernel", iae(OTHER), 1, f -> f.rw2)
                    .bad("an exited submitter", ise(DEAD), 0, f -> f.dead)
                    .bad("a submitter without the ring", errno(EBADF, "has no descriptor"), 0, f -> f.k.spawn("C"))
                    .bad("buffer -1", errno(EFAULT, "no registered buffer -1"), 3, -1)
                    .bad("buffer 1", errno(EFAULT, "no registered buffer 1"), 3, 1)
                    .bad("buffer offset -1", errno(EFAULT, "lies outside buffer 0"), 4, -1)
                    .bad("length -1", errno(EFAULT, "lies outside buffer 0"), 5, -1)
                    .bad("a range past the buffer", errno(EFAULT, "lies outside buffer 0"), 4, PAGE - 8)
                    .bad("file offset -1", errno(EINVAL, "negative offset"), 2, -1L)
                    .bad("a closed file", errno(EBADF, "closed"), 1, f -> f.closed)
                    .bad(write ? "a file open only for reading" : "a file open only for writing", errno(EBADF, "not open for"), 1,
                            f -> write ? f.rdonly : f.wronly)
                    .on("a closed ring", errno(EBADF, "is closed"), f -> f.closedRing);
        }
        t.method(IoUring.class, "unregisterBuffers()", f -> f.ring, f -> args())
                .on("a ring without buffers", errno(ENXIO, "no buffers"), f -> f.emptyRing)
                .on("a closed ring", errno(EBADF, "is closed"), f -> f.closedRing);
        t.method(IoUring.class, "close()", f -> f.ring, f -> args())
                .on("a closed ring", errno(EBADF, "is closed"), f -> f.closedRing);
    }

    // ------------------------------------------------------------------ the driver SPI and interval notifiers

    static void driver(BadInputTable<BadInputFixture> t) {
        t.type(DriverContext.class).type(MmuIntervalNotifier.class);
        t.noInput(DriverContext.class, "deviceName()", "kernel()", "dmaFenceBeginSignalling()");
        t.method(DriverContext.class, "fenceContext(String)", f -> f.dev, f -> args("gfx"))
                .bad("an empty name", iae("name the fence timeline"), 0, "");
        t.method(DriverContext.class, "dmaResv(String)", f -> f.dev, f -> args("bo0"))
                .bad("an empty name", iae("name the reservation object"), 0, "");
        t.method(DriverContext.class, "dmaFenceEndSignalling(boolean)", f -> f.dev, f -> args(true))
                .bad("false outside a section", ok("lock_release() of a map not held changes nothing"), 0, false);
        t.method(DriverContext.class, "lock(String)", f -> f.dev, f -> args("notifier_lock"))
                .bad("an empty name", iae("name the lock"), 0, "");
        t.method(DriverContext.class, "unlock(String)", f -> {
                    f.dev.lock("notifier_lock");
                    return f.dev;
                }, f -> args("notifier_lock"))
                .bad("a lock the device does not hold", ise("does not hold it"), 0, "other_lock");
        t.method(DriverContext.class, "allocate(Gfp,String)", f -> f.dev, f -> args(Gfp.KERNEL, "job"))
                .nullOk("what", "the allocation is named without it");
        t.method(DriverContext.class, "attach(Kernel,String)", f -> args(f.k, "dev1"))
                .bad("a name that is taken", iae("already attached"), 1, "dev0")
                .bad("an empty name", iae("name the device"), 1, "")
                .bad("a kernel not built by Kernel.builder()", iae("build kernels with Kernel.builder()"), 0, f -> foreignKernel());
        t.method(DriverContext.class, "call(String,Supplier)", f -> f.dev, f -> args("ioctl", (Supplier<Object>) () -> null));
        for (String fn : List.of("pinUserPages", "pinUserPagesFast", "getUserPages")) {
            t.method(DriverContext.class, fn + "(Process,long,int,int,String)", f -> f.dev, f -> args(f.a, f.buf, 1, 0, "MR#1"))
                    .nullOk("what", "the device's name alone holds the pages")
                    .bad("a process of another kernel", iae(NOT_ATTACHED), 0, f -> f.b)
                    .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                    .bad("-1 pages", errno(EINVAL, "negative"), 2, -1)
                    .nested("an unmapped address", errno(EFAULT, "no VMA"), f -> args(f.a, 0x10000L, 1, 0, "MR#1"));
        }
        for (String fn : List.of("accountPinnedVm", "accountLockedVm", "unaccountPinnedVm", "unaccountLockedVm")) {
            boolean charge = fn.startsWith("account");
            t.method(DriverContext.class, fn + "(Process,long)", f -> f.dev, f -> args(f.a, 0L))
                    .bad("a process of another kernel", iae(NOT_ATTACHED), 0, f -> f.b)
                    .bad("-1 pages", iae("must not be negative"), 1, -1L)
                    .bad("more pages than the address space has", iae("address space"), 1, Long.MAX_VALUE)
                    .bad(charge ? "an exited process" : "an exited process", charge ? ise(DEAD) : ok("a device returns what it charged after exit"), 0,
                            f -> f.dead);
            if (charge) {
                t.method(DriverContext.class, fn + "(Process,long)", f -> f.dev, f -> args(f.a, 0L))
                        .bad("more than RLIMIT_MEMLOCK", errno(ENOMEM, "RLIMIT_MEMLOCK"), 1, 1L << 30);
            } else {
                t.method(DriverContext.class, fn + "(Process,long)", f -> f.dev, f -> args(f.a, 0L))
                        .bad("more than was charged", ise("unaccounting 100 pages"), 1, 100L);
            }
        }
        t.method(DriverContext.class, "insertIntervalNotifier(Process,long,long,MmuIntervalNotifierOps,String)", f -> f.dev,
                        f -> args(f.a, f.buf, (long) PAGE, BadInputFixture.MIRROR, "MR#2"))
                .nullOk("what", "the device's name alone names the notifier")
                .bad("a process of another kernel", iae(NOT_ATTACHED), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("length 0", errno(EOVERFLOW, "__mmu_interval_notifier_insert"), 2, 0L)
                .bad("length -1", errno(EOVERFLOW, "__mmu_interval_notifier_insert"), 2, -1L)
                .bad("a range past TASK_SIZE", iae("outside the user address space"), 1, TOP);
        t.method(DriverContext.class, "insertIntervalNotifier(Process,long,long,MmuIntervalNotifierOps,String,String)", f -> f.dev,
                        f -> args(f.a, f.buf, (long) PAGE, BadInputFixture.MIRROR, "MR#2", "umem_mutex"))
                .nullOk("what", "the device's name alone names the notifier")
                .bad("a blank lock name", iae("name the lock"), 5, " ")
                .bad("a process of another kernel", iae(NOT_ATTACHED), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("length 0", errno(EOVERFLOW, "__mmu_interval_notifier_insert"), 2, 0L)
                .bad("a range past TASK_SIZE", iae("outside the user address space"), 1, TOP);
        for (String fn : List.of("lockId(String)", "lockHolder(String)")) {
            t.method(DriverContext.class, fn, f -> f.dev, f -> args("notifier_lock"))
                    .bad("an empty name", iae("name the lock"), 0, "");
        }
        for (String fn : List.of("mmapLockedForWrite(Process)", "mmapLockedForRead(Process)")) {
            t.method(DriverContext.class, fn, f -> f.dev, f -> args(f.a))
                    .bad("a process of another kernel", iae(NOT_ATTACHED), 0, f -> f.b);
        }
        t.method(DriverContext.class, "gupFaultWaitsFor(Process,long,int,boolean)", f -> f.dev, f -> args(f.a, f.buf, 1, true))
                .bad("a process of another kernel", iae(NOT_ATTACHED), 0, f -> f.b)
                .bad("0 pages", iae("nrPages must be positive"), 2, 0);
        t.method(DriverContext.class, "hmmRangeFault(MmuIntervalNotifier,long,long,int,boolean)", f -> f.dev,
                        f -> args(f.sub, f.sub.readBegin(), f.buf, 1, false))
                .bad("a notifier of another kernel", iae(OTHER), 0, f -> f.sub2)
                .bad("a removed notifier", ise("was removed"), 0, f -> f.removedSub)
                .bad("a stale sequence", errno(EBUSY, "mmu_interval_check_retry"), 1, -1L)
                .bad("0 pages", errno(EINVAL, "walk_page_range"), 3, 0)
                .bad("-1 pages", errno(EINVAL, "walk_page_range"), 3, -1)
                .bad("an unmapped address", errno(EFAULT, "no VMA"), 2, 0x10000L);
        t.method(DriverContext.class, "dmaWrite(Frame,int,byte[],String)", f -> f.dev, f -> args(f.frame, 0, new byte[16], "MR#1"))
                .nullOk("what", "the call is named without it")
                .bad("a frame of another kernel", iae(OTHER), 0, f -> f.frame2)
                .bad("a freed frame", bug("dma-to-freed-frame"), 0, f -> f.freed)
                .bad("the zero page", ise("zero page"), 0, f -> f.k.zeroPage())
                .bad("offset -1", iae("within one page"), 1, -1)
                .bad("a span past the page", iae("within one page"), 1, PAGE - 8);
        t.method(DriverContext.class, "dmaRead(Frame,int,int,String)", f -> f.dev, f -> args(f.frame, 0, 16, "MR#1"))
                .nullOk("what", "the call is named without it")
                .bad("a frame of another kernel", iae(OTHER), 0, f -> f.frame2)
                .bad("a freed frame", bug("dma-to-freed-frame"), 0, f -> f.freed)
                .bad("offset -1", iae("within one page"), 1, -1)
                .bad("length -1", iae("within one page"), 2, -1)
                .bad("length Integer.MAX_VALUE", iae("within one page"), f -> args(f.frame, 16, Integer.MAX_VALUE, "x"));
        t.method(DriverContext.class, "setPageDirty(Frame,String)", f -> f.dev, f -> args(f.frame, "MR#1"))
                .nullOk("what", "the device's name alone dirties the page")
                .bad("a frame of another kernel", iae(OTHER), 0, f -> f.frame2)
                .bad("a freed frame", bug("dma-to-freed-frame"), 0, f -> f.freed);
        t.method(DriverContext.class, "log(Level,String)", f -> f.dev, f -> args(KernelLog.Level.INFO, "hello"));
        t.method(DriverContext.class, "trace(String)", f -> f.dev, f -> args("decided"));

        t.noInput(MmuIntervalNotifier.class, "name()", "start()", "end()", "process()", "isRemoved()", "readBeginWaits()");
        t.method(MmuIntervalNotifier.class, "readBegin()", f -> f.sub, f -> args())
                .on("a removed notifier", ise("was removed"), f -> f.removedSub);
        t.method(MmuIntervalNotifier.class, "remove()", f -> f.sub, f -> args())
                .on("a removed notifier", ise("was removed"), f -> f.removedSub);
        for (String seq : List.of("readRetry(long)", "checkRetry(long)", "setSeq(long)")) {
            t.method(MmuIntervalNotifier.class, seq, f -> f.sub, f -> args(0L))
                    .bad("-1", ok("any sequence value is a value"), 0, -1L);
        }
    }

    /** A device pool of two pages whose migrate_to_ram migrates the page back. */
    static DevicePagemap pagemap(BadInputFixture f) {
        DevicePagemap[] pm = new DevicePagemap[1];
        pm[0] = f.dev.memremapPages(2, "dev0", (p, address, page) -> pm[0].migrateToRam(p, address, 1) == 1);
        return pm[0];
    }

    static void deviceMemory(BadInputTable<BadInputFixture> t) {
        t.method(DriverContext.class, "hmmRangeFault(MmuIntervalNotifier,long,long,int,int,Object)", f -> f.dev,
                        f -> args(f.sub, f.sub.readBegin(), f.buf, 1, HmmPfn.REQ_FAULT, "dev0"))
                .nullOk("devPrivateOwner", "a range with no owner returns no device-private page as it is")
                .bad("a notifier of another kernel", iae(OTHER), 0, f -> f.sub2)
                .bad("a removed notifier", ise("was removed"), 0, f -> f.removedSub)
                .bad("a stale sequence", errno(EBUSY, "mmu_interval_check_retry"), 1, -1L)
                .bad("0 pages", errno(EINVAL, "walk_page_range"), 3, 0)
                .bad("-1 pages", errno(EINVAL, "walk_page_range"), 3, -1)
                .bad("no request flags on an unmapped address", ok("a snapshot reports HMM_PFN_ERROR"), f -> args(f.sub, f.sub.readBegin(), 0x10000L, 1, 0, "dev0"))
                .bad("an unmapped address", errno(EFAULT, "no VMA"), 2, 0x10000L);
        t.method(DriverContext.class, "memremapPages(int,Object,DevicePagemapOps)", f -> f.dev, f -> args(2, "dev0", (DevicePagemapOps) (p, a, pg) -> false))
                .nullOk("owner", "an owner is any value, null too")
                .bad("0 pages", iae("at least one page"), 0, 0)
                .bad("-1 pages", iae("at least one page"), 0, -1);
        t.method(DriverContext.class, "makeDeviceExclusive(Process,long,int,Object)", f -> f.dev, f -> args(f.a, f.buf, 1, "dev0"))
                .nullOk("owner", "an owner is any value, null too")
                .bad("a process of another kernel", iae(NOT_ATTACHED), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("0 pages", errno(EINVAL, "nr_pages must be positive"), 2, 0)
                .bad("an unmapped address", errno(EFAULT, "no VMA"), 1, 0x10000L);
        t.type(DevicePagemap.class);
        t.noInput(DevicePagemap.class, "owner()", "nrPages()", "freePages()", "evict()");
        t.method(DevicePagemap.class, "owns(Frame)", BadInputTableTest::pagemap, f -> args(f.frame))
                .bad("a frame of another kernel", ok("not a page of this pool: false"), 0, f -> f.frame2);
        t.method(DevicePagemap.class, "failNextAllocations(int)", BadInputTableTest::pagemap, f -> args(1))
                .bad("-1", iae("must not be negative"), 0, -1);
        t.method(DevicePagemap.class, "write(Frame,int,byte[])", BadInputTableTest::pagemap, f -> args(f.frame, 0, new byte[8]))
                .bad("a system frame", iae("is not a page of dev0's device memory"), 0, f -> f.frame)
                .bad("offset -1", iae("within one page"), 1, -1);
        t.method(DevicePagemap.class, "read(Frame,int,int)", BadInputTableTest::pagemap, f -> args(f.frame, 0, 8))
                .bad("a system frame", iae("is not a page of dev0's device memory"), 0, f -> f.frame)
                .bad("length -1", iae("within one page"), 2, -1);
        for (String fn : List.of("migrateToDevice", "migrateToRam")) {
            t.method(DevicePagemap.class, fn + "(Process,long,int)", BadInputTableTest::pagemap, f -> args(f.a, f.buf, 1))
                    .bad("a process of another kernel", iae("another kernel"), 0, f -> f.b)
                    .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                    .bad("0 pages", errno(EINVAL, "nr_pages must be positive"), 2, 0)
                    .bad("an unmapped address", errno(EINVAL, "no VMA"), 1, 0x10000L)
                    .bad("a range past the VMA", errno(EINVAL, "run past the end"), 2, 3);
        }
    }

    // ------------------------------------------------------------------ SVA bonds and device files

    private static IommuSva bond(BadInputFixture f) {
        return f.dev.iommuSvaBindDevice(f.a, null);
    }

    private static IommuSva unboundBond(BadInputFixture f) {
        IommuSva b = bond(f);
        b.unbind();
        return b;
    }

    private static DeviceFile closedFile(BadInputFixture f) {
        DeviceFile file = f.dev.openDeviceFile(f.a, "uacce/gone", () -> { });
        file.close();
        return file;
    }

    private static GupPages longtermPins(BadInputFixture f) {
        return f.dev.pinUserPagesFast(f.a, f.buf, 1, Foll.LONGTERM, "MR#9");
    }

    /** A revoke callback that does nothing (the rows test the registration, not the callback). */
    private static final io.pinsim.runtime.spi.PinRevoker REVOKER = new io.pinsim.runtime.spi.PinRevoker() {
        @Override
        public void revokeSoon(GupPages pins, int index, String why) {
        }

        @Override
        public void redirect(GupPages pins, int index) {
        }
    };

    static void sva(BadInputTable<BadInputFixture> t) {
        t.method(DriverContext.class, "iommuSvaBindDevice(Process,IommuSvaOps)", f -> f.dev, f -> args(f.a, null))
                .nullOk("ops", "a driver without an mm_exit callback")
                .bad("a process of another kernel", iae(NOT_ATTACHED), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead);
        t.method(DriverContext.class, "mmPasid(Process)", f -> f.dev, f -> args(f.a))
                .bad("a process of another kernel", iae(NOT_ATTACHED), 0, f -> f.b)
                .bad("an exited process", ok("an address space that is gone has no PASID: -1"), 0, f -> f.dead);
        t.method(DriverContext.class, "openDeviceFile(Process,String,Runnable)", f -> f.dev, f -> args(f.a, "uacce/q0", (Runnable) () -> { }))
                .nullOk("what", "the file is named after the device")
                .bad("a process of another kernel", iae(NOT_ATTACHED), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead);
        t.method(DriverContext.class, "onRevoke(GupPages,PinRevoker)", f -> f.dev, f -> args(longtermPins(f), REVOKER))
                .bad("pins without FOLL_LONGTERM", iae("long-term pins"), 0, f -> f.dev.pinUserPagesFast(f.a, f.buf, 1, 0, "p"))
                .bad("pins the device did not take", iae("were not taken by dev0"), 0, f -> f.a.pinUserPagesFast(f.buf, 1, Foll.LONGTERM, "test"))
                .bad("released pins", ise("already released"), 0, f -> {
                    GupPages p = longtermPins(f);
                    p.unpin(false);
                    return p;
                });
        t.method(DriverContext.class, "redirectToDummyPage(GupPages,int)", f -> f.dev, f -> args(longtermPins(f), 0))
                .bad("index 1 of one page", ioobe("does not exist"), 1, 1)
                .bad("pins the device did not take", iae("were not taken by dev0"), 0, f -> f.a.pinUserPagesFast(f.buf, 1, Foll.LONGTERM, "test"))
                .nested("a page already redirected", ise("already points at the dummy page"), f -> {
                    GupPages p = longtermPins(f);
                    f.dev.redirectToDummyPage(p, 0);
                    return args(p, 0);
                });
        t.type(IommuSva.class).type(DeviceFile.class);
        t.noInput(IommuSva.class, "pasid()", "process()", "isBound()", "isAborted()", "iotlbEntries()");
        t.method(IommuSva.class, "dmaRead(long,int,String)", BadInputTableTest::bond, f -> args(f.buf, 16, "job"))
                .nullOk("what", "the transfer is named without it")
                .bad("length -1", iae("must not be negative"), 1, -1)
                .bad("a range that wraps", iae("wraps"), f -> args(-8L, 16, "job"))
                .bad("an unmapped address", fault(IoPageFaultException.class, "no VMA"), 0, 0x10000L)
                .on("an unbound bond", ise("was unbound"), BadInputTableTest::unboundBond);
        t.method(IommuSva.class, "dmaWrite(long,byte[],String)", BadInputTableTest::bond, f -> args(f.buf, new byte[16], "job"))
                .nullOk("what", "the transfer is named without it")
                .bad("a range that wraps", iae("wraps"), 0, -8L)
                .bad("an unmapped address", fault(IoPageFaultException.class, "no VMA"), 0, 0x10000L)
                .on("an unbound bond", ise("was unbound"), BadInputTableTest::unboundBond);
        t.method(IommuSva.class, "unbind()", BadInputTableTest::bond, f -> args())
                .on("an unbound bond", ise("unbound already"), BadInputTableTest::unboundBond);
        t.noInput(DeviceFile.class, "isOpen()");
        t.method(DeviceFile.class, "close()", f -> f.dev.openDeviceFile(f.a, "uacce/q0", () -> { }), f -> args())
                .on("a closed file", ise("closed already"), BadInputTableTest::closedFile);
    }

    static void devicePageTable(BadInputTable<BadInputFixture> t) {
        t.type(DevicePageTable.class);
        t.noInput(DevicePageTable.class, "<init>()", "size()");
        t.method(DevicePageTable.class, "map(long,Frame,boolean)", f -> new DevicePageTable(), f -> args(f.buf, f.frame, true));
        t.method(DevicePageTable.class, "zapFrame(Frame)", f -> new DevicePageTable(), f -> args(f.frame))
                .bad("a frame of another kernel", ok("maps nothing here: 0"), 0, f -> f.frame2);
        t.method(DevicePageTable.class, "lookup(long)", f -> new DevicePageTable(), f -> args(f.buf))
                .bad("address -1", ok("nothing mapped: null"), 0, -1L);
        for (String range : List.of("zap(long,long)", "count(long,long)")) {
            t.method(DevicePageTable.class, range, f -> new DevicePageTable(), f -> args(f.buf, f.buf + PAGE))
                    .bad("end before start", ok("an empty range: nothing"), f -> args(f.buf + PAGE, f.buf))
                    .bad("start -4096, end 0", ok("an empty range: nothing"), f -> args((long) -PAGE, 0L));
        }
    }

    /** A Kernel that Kernel.builder() did not make: devices cannot attach to it. */
    static Kernel foreignKernel() {
        return (Kernel) java.lang.reflect.Proxy.newProxyInstance(Kernel.class.getClassLoader(), new Class<?>[] {Kernel.class},
                (proxy, method, args) -> method.getName().equals("toString") ? "a foreign kernel" : null);
    }

    // ------------------------------------------------------------------ handles without input

    static void handles(BadInputTable<BadInputFixture> t) {
        t.type(Vma.class);
        t.noInput(Vma.class, "start()", "end()", "length()", "prot()", "isShared()", "isDontCopy()", "isWipeOnFork()", "isCowMapping()", "isAnonymous()");
    }
}
