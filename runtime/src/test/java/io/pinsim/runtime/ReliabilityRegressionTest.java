package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.ANON_SHARED;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DriverContext;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The failures a random-operation run found (project issue 11), each as the shortest sequence that
 * showed it. Every test ends with the full invariant check.
 */
class ReliabilityRegressionTest {

    /**
     * MAP_FIXED unmaps the old pages and MAP_POPULATE faults the range in again in the same call; the
     * allocator hands the freed pfns straight back. A PTE that maps a reused pfn maps the new frame,
     * not the freed one (the invariant used to report freed-frame-mapped).
     */
    /**
     * Found by the fuzzer (seed 3, sequence 943652): io_uring WRITE_FIXED to an O_DIRECT file threw
     * IllegalStateException from inside the model; the kernel does direct I/O from the registered
     * pages (ITER_BVEC, no GUP). Fixed READ_FIXED and WRITE_FIXED now go direct on O_DIRECT files,
     * with the block-size alignment of iomap_dio_rw().
     */
    @Test
    void ioUringFixedIoOnAnODirectFileGoesDirectFromTheRegisteredPages() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(8L * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        p0.write(b0, fill('W', PAGE));
        Inode i0 = k.mount(FsKind.EXT4).create("file0", fill('I', PAGE));
        OpenFile f1 = p0.open(i0, OpenFlags.RDWR | OpenFlags.DIRECT);
        IoUring ring0 = p0.ioUringSetup();
        ring0.registerBuffer(b0, 3 * PAGE);
        assertThat(ring0.writeFixed(p0, f1, 0L, 0, 0, 512)).isEqualTo(512);
        assertThat(i0.readDisk(0, 512)).containsOnly((byte) 'W');
        assertThat(i0.cachedPages()).as("the direct write went to disk, not the page cache").isZero();
        assertThatThrownBy(() -> ring0.writeFixed(p0, f1, 0L, 0, 0, 443)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(ring0.readFixed(p0, f1, 0L, 0, PAGE, 1024)).isEqualTo(1024);
        assertThat(p0.read(b0 + PAGE, 1024)).startsWith((byte) 'W').endsWith((byte) 'I');
        ring0.close();
        k.close();
    }

    @Test
    void mapFixedPopulateOverPopulatedMemoryReusesTheFreedFrames() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long m = a.mmap(5L * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        assertThat(a.mmap(m, 3L * PAGE, RW, ANON_PRIVATE | MapFlags.FIXED | MapFlags.POPULATE)).isEqualTo(m);
        assertThat(a.populatedPtes()).isEqualTo(5);
        assertThat(k.usedFrames()).isEqualTo(5);
        k.checkInvariants();
    }

    /**
     * fs-DAX: a truncate that waits for a pinned block sleeps with MMAPLOCK dropped, so the process
     * can fault the block in again; xfs_break_dax_layouts() retries dax_layout_busy_page(), which
     * unmaps the range again before the blocks are freed (5fac7408d828). The model unmapped only
     * once and freed a block that a PTE still mapped (pte-maps-free-frame at exit).
     */
    @Test
    void daxTruncateThatWaitedUnmapsTheBlocksAgainBeforeFreeingThem() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.DAX).create("pmem");
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        f.ftruncate(2L * PAGE);
        long map = a.mmap(0, 2L * PAGE, RW, MapFlags.SHARED, f, 0);
        a.write(map, fill('M', 1));
        GupPages dio = a.pinUserPages(map, 1, Foll.WRITE, "dio#1");
        TruncateOp t = f.startTruncate(0);
        assertThat(t.isDone()).isFalse();
        a.write(map, fill('W', 1));
        assertThat(a.frameAt(map)).as("the write faulted the block in again while the truncate slept").isSameAs(ino.cachedPage(0));
        dio.unpin(true);
        assertThat(t.isDone()).isTrue();
        assertThat(a.pteAt(map)).isEqualTo("none");
        a.exit();
        assertThat(k.usedFrames()).isZero();
        k.checkInvariants();
    }

    /**
     * A shared anonymous mapping is a shmem object referenced only by its VMAs: when the last one
     * goes (exit or munmap), shmem_evict_inode() frees its pages. The model kept them allocated
     * with refcount 1 and no holder.
     */
    @Test
    void sharedAnonymousMemoryIsFreedWithItsLastMapping() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        a.mmap(7L * PAGE, RW, ANON_SHARED | MapFlags.POPULATE);
        a.exit();
        assertThat(k.usedFrames()).isZero();
        k.checkInvariants();

        Process b = k.spawn("B");
        long m = b.mmap(7L * PAGE, RW, ANON_SHARED | MapFlags.POPULATE);
        b.munmap(m, 3L * PAGE);
        assertThat(k.usedFrames()).as("the object lives while part of it is mapped").isEqualTo(7);
        b.munmap(m + 3L * PAGE, 4L * PAGE);
        assertThat(k.usedFrames()).isZero();
        k.checkInvariants();
    }

    /** The object lives while any process maps it; a pinned page outlives it and is freed at the unpin. */
    @Test
    void sharedAnonymousPagesGoWithTheLastMapperAndAPinnedOneWithItsPin() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long m = a.mmap(2L * PAGE, RW, ANON_SHARED | MapFlags.POPULATE);
        GupPages pin = a.pinUserPages(m, 1, Foll.WRITE, "rdma0");
        Process child = a.fork();
        a.exit();
        assertThat(k.usedFrames()).as("the child still maps the object").isEqualTo(2);
        child.exit();
        assertThat(k.usedFrames()).as("only the pinned page is left").isEqualTo(1);
        assertThat(pin.frame(0).isInPageCache()).isFalse();
        k.checkInvariants();
        pin.unpin(true);
        assertThat(k.usedFrames()).isZero();
        k.checkInvariants();
    }

    /**
     * A page read back from swap stays in the swap cache; a FOLL_WRITE|FOLL_FORCE pin then copies it
     * (refcount 2: the mapping and the swap cache, 09854ba94c6a). wp_page_copy() frees the idle
     * swap-cache page (free_swap_cache(), f4c4a3f48480); the model left it, with its slot, forever.
     */
    @Test
    void aSwapCachePageCopiedByAWritePinIsFreedWithItsSlot() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        Process a = k.spawn("A");
        long m = a.mmap(PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        k.reclaim(a, m);
        a.read(m, 1);
        GupPages pin = a.pinUserPagesFast(m, 1, Foll.WRITE | Foll.FORCE | Foll.LONGTERM, "rdma0");
        assertThat(k.swapSlotsInUse()).as("the copy freed the old page and its slot").isZero();
        assertThat(k.usedFrames()).isEqualTo(1);
        pin.unpin(true);
        a.exit();
        assertThat(k.usedFrames()).isZero();
        assertThat(k.swapSlotsInUse()).isZero();
        k.checkInvariants();
    }

    /**
     * A hole inside one page: punch hole removes only whole pages (none here) and zeroes the partial
     * one. On fs-DAX the busy-page check took the rounded-inward range [2, 1) as it was and the
     * TreeMap threw "fromKey > toKey".
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = FsKind.class, names = {"EXT4", "TMPFS", "DAX"})
    void punchHoleWithinOnePageZeroesItAndRemovesNothing(FsKind kind) {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(kind).create("f", fill('F', PAGE + 100));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        f.punchHole(4146, 8192);
        assertThat(ino.size()).isEqualTo(PAGE + 100);
        assertThat(ino.hasBlock(1)).isTrue();
        assertThat(ino.read(PAGE, 100)).isEqualTo(concat(fill('F', 50), new byte[50]));
        f.punchHole(4146, 10);
        f.punchHole(3 * PAGE, PAGE);
        assertThat(ino.read(0, PAGE)).isEqualTo(fill('F', PAGE));
        k.checkInvariants();
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] b = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, b, x.length, y.length);
        return b;
    }

    /** Refused with the kernel's errno, and nothing changed (every mapping, PTE, frame and counter is as before). */
    private static void assertErrnoAndUnchanged(Kernel k, Errno errno, String reasonPart, ThrowingCallable call) {
        String before = Snapshot.of(k);
        assertThatThrownBy(call).isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.reason()).contains(reasonPart);
        });
        assertThat(Snapshot.of(k)).isEqualTo(before);
    }

    /** Refused with a Java exception whose message names the fix, and nothing changed. */
    private static void assertRefusedAndUnchanged(Kernel k, Class<? extends Throwable> type, String messagePart, ThrowingCallable call) {
        String before = Snapshot.of(k);
        assertThatThrownBy(call).isInstanceOf(type).hasMessageContaining(messagePart);
        assertThat(Snapshot.of(k)).isEqualTo(before);
    }

    /** munmap(-4096, 4096): as an unsigned long the address lies above TASK_SIZE, so __do_munmap() says EINVAL. */
    @Test
    void munmapOfANegativeAddressIsEinval() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        Fixtures.buffer(a, 1, 'A');
        assertErrnoAndUnchanged(k, Errno.EINVAL, "outside the user address space", () -> a.munmap(-PAGE, PAGE));
    }

    /** migrate_vma_setup(): -EINVAL for no pages, no VMA at the start, or a range that leaves the VMA; nothing is invalidated. */
    @Test
    void migrateVmaRefusesWhatMigrateVmaSetupRefuses() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = Fixtures.buffer(a, 2, 'A');
        List<MmuNotifierEvent> seen = new ArrayList<>();
        a.registerMmuNotifier(new MmuNotifierListener() {
            @Override
            public boolean invalidateRangeStart(Process process, MmuNotifierEvent event, long start, long end, boolean blockable) {
                seen.add(event);
                return true;
            }

            @Override
            public void invalidateRangeEnd(Process process, MmuNotifierEvent event, long start, long end) {
            }
        });
        assertErrnoAndUnchanged(k, Errno.EINVAL, "nr_pages must be positive", () -> k.migrateVma(a, buf, 0, "gpu"));
        assertErrnoAndUnchanged(k, Errno.EINVAL, "nr_pages must be positive", () -> k.migrateVma(a, buf, -1, "gpu"));
        assertErrnoAndUnchanged(k, Errno.EINVAL, "no VMA at 0x10000", () -> k.migrateVma(a, 0x10000, 1, "gpu"));
        assertErrnoAndUnchanged(k, Errno.EINVAL, "run past the end", () -> k.migrateVma(a, buf, 3, "gpu"));
        assertThat(seen).as("a refused migrate_vma_setup() invalidates nothing").isEmpty();
        assertThat(k.migrateVma(a, buf + 1, 1, "gpu")).as("an unaligned start is rounded down to its page (args->start &= PAGE_MASK)").isEqualTo(1);
        k.checkInvariants();
    }

    @Test
    void rlimitsOfAnExitedProcessCannotBeSet() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        a.exit();
        assertRefusedAndUnchanged(k, IllegalStateException.class, "has exited", () -> a.setRlimitMemlock(PAGE));
        assertRefusedAndUnchanged(k, IllegalStateException.class, "has exited", () -> a.setCapIpcLock(true));
        assertThat(a.rlimitMemlock()).isEqualTo(Kernel.DEFAULT_RLIMIT_MEMLOCK);
        assertThat(a.capIpcLock()).isFalse();
    }

    @Test
    void fileNamesMustBeOneNonEmptyPathComponent() {
        Kernel k = kernel(KernelModel.LATEST);
        Filesystem fs = k.mount(FsKind.TMPFS);
        assertErrnoAndUnchanged(k, Errno.ENOENT, "empty", () -> fs.create(""));
        assertRefusedAndUnchanged(k, IllegalArgumentException.class, "no directories", () -> fs.create("dir/f"));
        assertRefusedAndUnchanged(k, IllegalArgumentException.class, "no directories", () -> fs.create("/f", new byte[1]));
        assertRefusedAndUnchanged(k, NullPointerException.class, "fileName", () -> fs.create(null));
        assertThat(fs.files()).isEmpty();
    }

    @Test
    void readDiskRefusesANegativeOffset() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("f", fill('F', 100));
        assertRefusedAndUnchanged(k, IllegalArgumentException.class, "must not be negative", () -> ino.readDisk(-1, 1));
        assertRefusedAndUnchanged(k, IllegalArgumentException.class, "must not be negative", () -> ino.readDisk(0, -1));
    }

    /** The driver SPI's accounting: a negative count would silently uncharge (or charge); it is refused and nothing changes. */
    @Test
    void accountingRefusesNegativePageCounts() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        DriverContext ctx = DriverContext.attach(k, "dev0");
        ctx.accountPinnedVm(a, 2);
        ctx.accountLockedVm(a, 2);
        assertRefusedAndUnchanged(k, IllegalArgumentException.class, "must not be negative", () -> ctx.accountPinnedVm(a, -1));
        assertRefusedAndUnchanged(k, IllegalArgumentException.class, "must not be negative", () -> ctx.unaccountPinnedVm(a, -1));
        assertRefusedAndUnchanged(k, IllegalArgumentException.class, "must not be negative", () -> ctx.accountLockedVm(a, -1));
        assertRefusedAndUnchanged(k, IllegalArgumentException.class, "must not be negative", () -> ctx.unaccountLockedVm(a, -1));
        assertThat(a.pinnedVm()).isEqualTo(2);
        assertThat(a.lockedVm()).isEqualTo(2);
    }

    /**
     * Process.read(buf, Integer.MAX_VALUE) of a two-page buffer allocated 2 GiB before it looked at
     * the mapping (OutOfMemoryError). Now the read goes as far as the mapping does and faults there,
     * as any read past the end of a mapping does.
     */
    @Test
    void aReadFarPastTheMappingFaultsAtItsEndWithoutAllocatingTheLength() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = Fixtures.buffer(a, 2, 'A');
        assertThatThrownBy(() -> a.read(buf, Integer.MAX_VALUE)).isInstanceOfSatisfying(SignalException.class, e -> {
            assertThat(e.signal()).isEqualTo(Signal.SIGSEGV);
            assertThat(e.address()).isEqualTo(buf + 2L * PAGE);
        });
        Process b = k.spawn("B");
        long other = Fixtures.buffer(b, 1, 'B');
        OpenFile f = b.open(k.mount(FsKind.TMPFS).create("f"), OpenFlags.RDWR);
        assertErrnoAndUnchanged(k, Errno.EFAULT, "bad user buffer at 0x7f0000001000", () -> f.write(other, Integer.MAX_VALUE));
    }

    /** An index outside the held pages or the registered buffers: IndexOutOfBoundsException naming the valid range. */
    @Test
    void badIndexesNameTheValidRange() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = Fixtures.buffer(a, 2, 'A');
        GupPages pins = a.pinUserPages(buf, 2, Foll.WRITE, "rdma0");
        for (int i : new int[] {-1, 2}) {
            assertThatThrownBy(() -> pins.frame(i)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("valid indexes are 0 to 1");
            assertThatThrownBy(() -> pins.address(i)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("valid indexes are 0 to 1");
            assertThatThrownBy(() -> pins.isCoherent(i)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("valid indexes are 0 to 1");
        }
        IoUring ring = a.ioUringSetup();
        assertThatThrownBy(() -> ring.buffer(-1)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("no registered buffers");
        ring.registerBuffer(buf, PAGE);
        assertThatThrownBy(() -> ring.buffer(1)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("valid indexes are 0 to 0");
    }

    /** A null argument is refused where it is passed, naming the parameter, and changes nothing. */
    @Test
    void nullArgumentsAreRefusedAtTheEntry() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = Fixtures.buffer(a, 1, 'A');
        Pipe pipe = a.pipe();
        a.vmsplice(pipe, buf, 16);
        IoUring ring = a.ioUringSetup();
        ring.registerBuffer(buf, PAGE);
        OpenFile f = a.open(k.mount(FsKind.TMPFS).create("f", fill('F', 16)), OpenFlags.RDWR);
        GupPages pins = a.pinUserPages(buf, 1, Foll.WRITE, "rdma0");
        assertNullRefused(k, "victim", "oomKill", () -> k.oomKill(null));
        assertNullRefused(k, "process", "migrateVma", () -> k.migrateVma(null, buf, 1, null));
        assertNullRefused(k, "process", "reclaim", () -> k.reclaim(null, buf));
        assertNullRefused(k, "reader", "read", () -> pipe.read(null, 16));
        assertNullRefused(k, "submitter", "readFixed", () -> ring.readFixed(null, f, 0, 0, 0, 16));
        assertNullRefused(k, "file", "readFixed", () -> ring.readFixed(a, null, 0, 0, 0, 16));
        assertNullRefused(k, "submitter", "writeFixed", () -> ring.writeFixed(null, f, 0, 0, 0, 16));
        assertNullRefused(k, "file", "writeFixed", () -> ring.writeFixed(a, null, 0, 0, 0, 16));
        assertNullRefused(k, "data", "write", () -> pins.write(0, null));
    }

    /** NullPointerException with the parameter's name, thrown by the API method itself (not from deep inside), and nothing changed. */
    private static void assertNullRefused(Kernel k, String parameter, String method, ThrowingCallable call) {
        String before = Snapshot.of(k);
        int steps = k.trace().step();
        assertThatThrownBy(call).isInstanceOfSatisfying(NullPointerException.class, e -> {
            assertThat(e.getMessage()).isEqualTo(parameter);
            assertThat(e.getStackTrace()[1].getMethodName()).as("thrown by the method called").isEqualTo(method);
        });
        assertThat(k.trace().step()).as("no step ran").isEqualTo(steps);
        assertThat(Snapshot.of(k)).isEqualTo(before);
    }

    // ------------------------------------------------------------------ found by the fuzzer driving the stepped operations (issue 16, g4)

    /**
     * Fuzzer seed 0, sequence 386 (LINUX_5_8): a stepped reclaim holds the page lock from
     * trylock_page() to __remove_mapping(). A plain store that swapped the page in meanwhile (the
     * model's do_swap_page() did not take the page lock, where the kernel's folio_lock_or_retry()
     * sleeps) mapped it and took it out of the swap cache; __remove_mapping()'s refcount check then
     * freed the mapped frame (freed-frame-mapped). The store now waits (WouldBlockException) and
     * goes through once the reclaim has finished.
     */
    @Test
    void aStoreToAPageAStepReclaimHoldsLockedWaitsForTheReclaim() {
        Kernel k = kernel(KernelModel.LINUX_5_8);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(6L * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        ReclaimSteps rc = k.reclaimSteps(p0, b0 + 4L * PAGE);
        rc.step(); // trylock_page(), add_to_swap()
        rc.step(); // try_to_unmap_one(): the PTE is a swap entry, the page is still locked in the swap cache
        assertThatThrownBy(() -> p0.fill(b0 + 3L * PAGE + 100, 4114, (byte) 'R')).isInstanceOf(WouldBlockException.class)
                .hasMessageContaining("the page lock");
        assertThatThrownBy(() -> p0.pinUserPagesFast(b0 + 4L * PAGE, 1, Foll.WRITE, "dev")).as("GUP-fast's slow path faults too")
                .isInstanceOf(WouldBlockException.class);
        assertThatThrownBy(() -> p0.getUserPages(b0 + 4L * PAGE, 1, Foll.WRITE, "dev")).isInstanceOf(WouldBlockException.class);
        rc.step(); // pageout(), __remove_mapping(), unlock_page()
        p0.fill(b0 + 3L * PAGE + 100, 4114, (byte) 'R');
        assertThat(p0.read(b0 + 4L * PAGE, 1)).containsExactly((byte) 'R');
        k.close();
    }

    /**
     * Fuzzer seed 0, sequence 760 (LINUX_5_8): the stepped munmap of 3 pages inside a 2 MiB hugetlb
     * mapping zapped part of the folio's PMD (leaked-frame); the plain munmap refuses the cut
     * (hugetlb_vm_op_split()). The stepped one now refuses it the same way before any step.
     */
    @Test
    void aSteppedMunmapThatCutsAHugetlbPageIsEinvalAsThePlainOne() {
        Kernel k = builderWithHugetlb(KernelModel.LINUX_5_8);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(6L * PAGE, RW, ANON_PRIVATE | MapFlags.HUGETLB);
        assertThatThrownBy(() -> p0.mainThread().munmapSteps(b0 + 0x168000L, 3L * PAGE)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("hugetlb_vm_op_split");
        p0.write(b0 + 0x3c064L, fill('R', 4114));
        Steppable whole = p0.mainThread().munmapSteps(b0, 2L << 20);
        while (!whole.isDone()) {
            whole.step();
        }
        k.close();
    }

    private static Kernel builderWithHugetlb(KernelModel model) {
        return Fixtures.builder(model).hugetlbPages(2).build();
    }

    /**
     * Fuzzer seed 0, sequence 866 (PROPOSAL_NOTIFIER_MAY_FAIL; any model): hmm_range_fault() from a
     * driver did not take mmap_lock, so while a stepped munmap held it for write between its zap and
     * the VMA removal the driver faulted pages back into the range (pte-outside-vma). The driver's
     * mmap_read_lock() now waits (WouldBlockException), and so does mmu_interval_read_begin() while
     * the invalidation is in progress (it threw a plain IllegalStateException: seed 0, sequence 2495).
     */
    @Test
    void hmmRangeFaultWaitsForASteppedMunmapThatHoldsMmapLock() {
        Kernel k = kernel(KernelModel.PROPOSAL_NOTIFIER_MAY_FAIL);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(4L * PAGE, RW, ANON_PRIVATE);
        DriverContext drv = DriverContext.attach(k, "gpu0");
        MmuIntervalNotifier sub = drv.insertIntervalNotifier(p0, b0, 2L * PAGE, (s, range, cur) -> {
            s.setSeq(cur);
            return true;
        }, "userptr");
        Steppable un = p0.mainThread().munmapSteps(b0, 3L * PAGE);
        un.step();
        un.step();
        un.step();
        assertThat(un.isDone()).isFalse();
        long seq = sub.readBeginWaits() ? -1 : sub.readBegin();
        assertThatThrownBy(() -> drv.hmmRangeFault(sub, seq, b0, 2, true)).isInstanceOf(WouldBlockException.class).hasMessageContaining("mmap_lock");
        while (!un.isDone()) {
            un.step();
        }
        assertThatThrownBy(() -> drv.hmmRangeFault(sub, sub.readBegin(), b0, 2, true)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        sub.remove();
        k.close();
    }

    /** mmu_interval_read_begin() while a stepped munmap's invalidation of the interval is in progress: it would sleep (seed 0, sequence 2495). */
    @Test
    void readBeginDuringASteppedInvalidationWouldBlock() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(2L * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        DriverContext drv = DriverContext.attach(k, "hmm0");
        MmuIntervalNotifier sub = drv.insertIntervalNotifier(p0, b0, 2L * PAGE, (s, range, cur) -> {
            s.setSeq(cur);
            return true;
        }, "mirror");
        Steppable un = p0.mainThread().munmapSteps(b0, PAGE);
        while (!sub.readBeginWaits() && !un.isDone()) {
            un.step();
        }
        assertThat(sub.readBeginWaits()).isTrue();
        assertThatThrownBy(sub::readBegin).isInstanceOf(WouldBlockException.class).hasMessageContaining("would sleep");
        while (!un.isDone()) {
            un.step();
        }
        sub.readBegin();
        sub.remove();
        k.close();
    }

    /**
     * Fuzzer seed 1, sequence 823: forkSteps() while a stepped munmap held mmap_lock for write was
     * refused with "already forking". dup_mmap()'s mmap_write_lock_killable() just waits: the fork's
     * first step is blocked until the munmap ends.
     */
    @Test
    void aForkStartedWhileASteppedMunmapHoldsMmapLockWaitsForIt() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(8L * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        Steppable un = p0.mainThread().munmapSteps(b0 + 7L * PAGE, PAGE);
        un.step();
        un.step();
        ForkSteps fork = p0.mainThread().forkSteps("P1");
        assertThat(fork.isBlocked()).isTrue();
        assertThat(fork.waitsFor()).endsWith(":mmap_lock");
        while (!un.isDone()) {
            un.step();
        }
        Process child = fork.run();
        assertThat(child.read(b0, 1)).hasSize(1);
        k.close();
    }

    /**
     * Fuzzer seed 0, sequence 112 (LINUX_5_10), found by the full check after every operation: the
     * stepped MADV_DONTNEED of 3 pages inside a hugetlb mapping split the hugetlb PMD
     * (hugetlb-pte-mapped). It now follows the plain madvise(): EINVAL up to 5.17 (can_madv_lru_vma()),
     * then EINVAL for a start inside a huge page and the end rounded down to one
     * (madvise_dontneed_free_valid_vma()).
     */
    @Test
    void aSteppedDontneedOfAHugetlbMappingFollowsThePlainMadvise() {
        Kernel old = builderWithHugetlb(KernelModel.LINUX_5_10);
        Process a = old.spawn("A");
        long x = a.mmap(2L * PAGE, RW, ANON_SHARED | MapFlags.POPULATE | MapFlags.HUGETLB);
        assertThatThrownBy(() -> a.mainThread().madviseSteps(x + 0x3c000L, 3L * PAGE, Advice.DONTNEED)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("can_madv_lru_vma");
        old.close();
        Kernel k = builderWithHugetlb(KernelModel.LINUX_6_6);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(2L * PAGE, RW, ANON_SHARED | MapFlags.POPULATE | MapFlags.HUGETLB);
        assertThatThrownBy(() -> p0.mainThread().madviseSteps(b0 + 0x3c000L, 3L * PAGE, Advice.DONTNEED)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("madvise_dontneed_free_valid_vma");
        Steppable none = p0.mainThread().madviseSteps(b0, 3L * PAGE, Advice.DONTNEED);
        while (!none.isDone()) {
            none.step();
        }
        k.checkInvariants();
        Steppable whole = p0.mainThread().madviseSteps(b0, 2L << 20, Advice.DONTNEED);
        while (!whole.isDone()) {
            whole.step();
        }
        k.checkInvariants();
        k.close();
    }

    /**
     * Fuzzer seeds 3, 4 and 5 (sequences 1071, 767, 545): a stepped reclaim held the page locked
     * but no reference on it, so an OOM kill, a MAP_FIXED or a munmap between its steps freed the
     * page and the next step worked on a freed frame (freed-frame-referenced). The reclaim now holds
     * the isolation reference (folio_isolate_lru()) from its check to its last step.
     */
    @Test
    void aSteppedReclaimHoldsItsPageAcrossAnExitOfTheProcess() {
        Kernel k = kernel(KernelModel.PROPOSAL_FORK_COPY_GUP_PAGES);
        Process p2 = k.spawn("P2");
        long b0 = p2.mmap(5L * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        ReclaimSteps rc = k.reclaimSteps(p2, b0 + 2L * PAGE);
        GupPages g = p2.getUserPages(b0 + 2L * PAGE, 3, Foll.WRITE, "dev");
        rc.step();
        k.oomKill(p2);
        rc.step();
        rc.step();
        assertThat(rc.isDone()).isTrue();
        g.release();
        k.close();
    }

    /**
     * Fuzzer seed 5, sequence 9109 (LINUX_5_8): while a stepped MADV_DONTNEED held mmap_lock (its
     * invalidate_range_start had found no subscriber), a driver inserted the mm's first interval
     * notifier, faulted the page in, and kept it after the zap freed it (dma-to-freed-frame).
     * mmu_interval_notifier_insert() registers the mm's notifiers first (mmu_notifier_register()),
     * which takes mmap_lock for write: the insertion waits.
     */
    @Test
    void theFirstIntervalNotifierOfAnMmWaitsForASteppedDontneed() {
        Kernel k = kernel(KernelModel.LINUX_5_8);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        Steppable dn = p0.mainThread().madviseSteps(b0, PAGE, Advice.DONTNEED);
        dn.step();
        dn.step();
        DriverContext drv = DriverContext.attach(k, "gpu1");
        assertThatThrownBy(() -> drv.insertIntervalNotifier(p0, b0, PAGE, (s, range, cur) -> {
            s.setSeq(cur);
            return true;
        }, "userptr")).isInstanceOf(WouldBlockException.class).hasMessageContaining("mmu_interval_notifier_insert");
        while (!dn.isDone()) {
            dn.step();
        }
        MmuIntervalNotifier sub = drv.insertIntervalNotifier(p0, b0, PAGE, (s, range, cur) -> {
            s.setSeq(cur);
            return true;
        }, "userptr");
        sub.remove();
        k.close();
    }

    /**
     * Fuzzer seed 2, sequence 4166 and seed 5, sequence 10084 (PROPOSAL_NOTIFIER_MAY_FAIL): vmsplice()
     * while a stepped munmap held mmap_lock for write threw a plain IllegalStateException blaming "a
     * fork"; seed 1, sequence 10329: migrate_vma did not take mmap_lock at all. Both now wait
     * (WouldBlockException, nothing taken) and run once the munmap is done.
     */
    @Test
    void vmspliceAndMigrateVmaWaitForASteppedMunmap() {
        Kernel k = kernel(KernelModel.PROPOSAL_NOTIFIER_MAY_FAIL);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(5L * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        Steppable un = p0.mainThread().munmapSteps(b0 + 2L * PAGE, 3L * PAGE);
        un.step();
        Pipe pipe = p0.pipe();
        assertThatThrownBy(() -> p0.vmsplice(pipe, b0, 2 * PAGE)).isInstanceOf(WouldBlockException.class).hasMessageContaining("mmap_lock");
        assertThatThrownBy(() -> k.migrateVma(p0, b0, 1, "mirror")).isInstanceOf(WouldBlockException.class);
        while (!un.isDone()) {
            un.step();
        }
        assertThat(p0.vmsplice(pipe, b0, 2 * PAGE)).isEqualTo(2 * PAGE);
        pipe.read(p0, 2 * PAGE);
        k.close();
    }

    /**
     * Fuzzer seed 9, sequence 2783 (LINUX_4_19): a stepped fork decided to share a page, a stepped
     * reclaim then unmapped the parent's PTE into a swap entry, and the fork's apply step copied
     * that swap entry to the child without swap_duplicate(): a swap PTE naming a freed slot
     * (NullPointerException in zap_pte_range at exit). copy_pte_range() holds the parent's PTE table
     * lock across its batch, so try_to_unmap_one() waits for the applied PTE; and try_to_unmap()
     * walks the rmap when it runs, so it unmaps the child's copy too.
     */
    @Test
    void aSteppedReclaimWaitsForTheForkHoldingThePteLockAndUnmapsTheChildsCopy() {
        Kernel k = kernel(KernelModel.LINUX_4_19);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        p0.write(b0, fill('A', 8));
        ReclaimSteps rc = k.reclaimSteps(p0, b0);
        ForkSteps fork = p0.mainThread().forkSteps("P1");
        fork.step(); // mmap_lock, the child
        fork.step(); // copy_page_range() of the VMA
        fork.step(); // copy_present_pte(): decide, under the parent's PTL
        rc.step(); // the checks, add_to_swap()
        assertThat(rc.isBlocked()).isTrue();
        assertThat(rc.waitsFor()).contains(":ptl:");
        assertThatThrownBy(() -> k.reclaim(p0, b0)).isInstanceOf(WouldBlockException.class).hasMessageContaining("step the fork first");
        rc.step(); // spins: no progress
        assertThat(p0.pteAt(b0)).startsWith("pfn");
        while (!fork.isDone()) {
            fork.step();
        }
        Process p1 = fork.child();
        assertThat(rc.isBlocked()).isFalse();
        rc.run();
        // try_to_unmap() walked the rmap when it ran: the child's PTE, copied after the check, is a swap entry too
        assertThat(p0.pteAt(b0)).startsWith("swap entry");
        assertThat(p1.pteAt(b0)).startsWith("swap entry");
        assertThat(p1.read(b0, 8)).isEqualTo(fill('A', 8));
        assertThat(p0.read(b0, 8)).isEqualTo(fill('A', 8));
        k.close();
    }

    /**
     * try_to_unmap() walks the rmap when it runs, not at the reclaim's check: a plain fork between
     * the check and the unmap (copy_present_pte() does not take the page lock) gives the child a PTE
     * the reclaim then unmaps as well, and the page is swapped out and freed.
     */
    @Test
    void aSteppedReclaimUnmapsAPteAForkCopiedAfterItsCheck() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        p0.write(b0, fill('B', 8));
        ReclaimSteps rc = k.reclaimSteps(p0, b0);
        rc.step(); // the checks, add_to_swap(): only P0 maps the page
        Process p1 = p0.fork();
        assertThat(rc.run()).isTrue();
        assertThat(p0.pteAt(b0)).startsWith("swap entry");
        assertThat(p1.pteAt(b0)).isEqualTo(p0.pteAt(b0)).doesNotContain("exclusive");
        assertThat(p1.read(b0, 8)).isEqualTo(fill('B', 8));
        k.checkInvariants();
        k.close();
    }

    /**
     * Fuzzer seed 6, sequence 4190: a stepped reclaim checked a page, a driver pinned it, the process
     * exited (a zap, not try_to_unmap(), unmapped it), and the reclaim's pageout cleared
     * PageAnonExclusive of the pinned page (pinned-page-not-exclusive). The kernel clears the flag
     * in try_to_unmap_one() for each PTE it unmaps (page_try_share_anon_rmap()), never in pageout().
     */
    @Test
    void aSteppedReclaimLeavesAPinnedPageAZapUnmappedExclusive() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        ReclaimSteps rc = k.reclaimSteps(p0, b0);
        rc.step(); // the checks, add_to_swap(): not pinned yet
        GupPages g = p0.pinUserPages(b0, 1, Foll.LONGTERM, "dev");
        p0.munmap(b0, PAGE);
        rc.run();
        assertThat(rc.isDone()).isTrue();
        k.checkInvariants();
        g.unpin(false);
        k.close();
    }

    /**
     * Fuzzer seed 6, sequence 18397 (NullPointerException "s is null", a swap PTE naming a freed
     * slot) came from the stepped fork's PTE lock (see above); on the way, Zap dropped a swap-cache
     * page a stepped reclaim held locked and freed its slot under the reclaim.
     * free_swap_and_cache()'s folio_trylock() fails on that page: page and slot (SWAP_HAS_CACHE)
     * stay until the reclaim's __remove_mapping() and put_swap_folio() free both.
     */
    @Test
    void aZapLeavesTheSwapCachePageAStepReclaimHoldsLocked() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(2 * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        ReclaimSteps rc = k.reclaimSteps(p0, b0);
        rc.step(); // the checks, add_to_swap()
        rc.step(); // try_to_unmap_one(): a swap entry
        assertThat(p0.pteAt(b0)).startsWith("swap entry");
        p0.munmap(b0, PAGE); // the last swap entry goes; folio_trylock() fails
        assertThat(k.swapSlotsInUse()).as("the locked page keeps its slot (SWAP_HAS_CACHE)").isEqualTo(1);
        assertThat(rc.run()).isTrue();
        assertThat(k.swapSlotsInUse()).as("__remove_mapping() -> put_swap_folio() freed it").isZero();
        k.checkInvariants();
        k.close();
    }

    /**
     * The other half of free_swap_and_cache()'s folio_trylock(): when the last swap entry goes
     * while a stepped reclaim holds the page locked, and the reclaim then keeps the page (a pin
     * makes __remove_mapping() fail), the page stays in the swap cache with no PTE referring to it,
     * as in the kernel until a later reclaim; once unpinned the leak check accepts it as reclaimable.
     */
    @Test
    void aPinnedPageLeftInTheSwapCacheByAFailedTrylockIsNotALeak() {
        Kernel k = kernel(KernelModel.LINUX_5_8);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        ReclaimSteps rc = k.reclaimSteps(p0, b0);
        rc.step(); // the checks, add_to_swap()
        GupPages g = p0.getUserPages(b0, 1, Foll.WRITE, "dev");
        rc.step(); // try_to_unmap_one(): a swap entry (5.8 unmaps a page with a GUP reference)
        assertThat(p0.pteAt(b0)).startsWith("swap entry");
        p0.munmap(b0, PAGE); // the last swap entry goes; folio_trylock() fails
        assertThat(rc.run()).isTrue(); // pageout(): refcount > 1, the page stays in the swap cache
        assertThat(k.swapSlotsInUse()).isEqualTo(1);
        g.release();
        assertThat(k.leaks()).isEmpty();
        k.close();
    }

    /**
     * Fuzzer seed 5, sequence 19236 (PROPOSAL_NOTIFIER_MAY_FAIL, before 5.9's CoW rule): a write to a
     * page a stepped reclaim held locked in the swap cache reused it (reuse_swap_page()) and took
     * it out of the swap cache, freeing its slot; the reclaim then wrote a swap entry for the freed
     * slot (swap-entry-dangling). do_wp_page() takes lock_page() before reuse_swap_page(): a write
     * in either process waits for the reclaim.
     */
    @Test
    void aWriteFaultBefore59WaitsForThePageLockOfASteppedReclaim() {
        Kernel k = kernel(KernelModel.LINUX_5_8);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        ReclaimSteps rc = k.reclaimSteps(p0, b0);
        rc.step(); // the checks, add_to_swap(): the page is locked in the swap cache
        Process p1 = p0.fork();
        assertThatThrownBy(() -> p1.write(b0, fill('G', 1))).isInstanceOf(WouldBlockException.class).hasMessageContaining("page lock");
        assertThatThrownBy(() -> p0.write(b0, fill('A', 1))).isInstanceOf(WouldBlockException.class).hasMessageContaining("page lock");
        rc.run();
        p1.write(b0, fill('G', 1));
        p0.write(b0, fill('A', 1));
        assertThat(p1.read(b0, 1)).isEqualTo(fill('G', 1));
        assertThat(p0.read(b0, 1)).isEqualTo(fill('A', 1));
        k.checkInvariants();
        k.close();
    }

    /**
     * Fuzzer seed 6, sequence 13478 (LINUX_6_1, writable-shared-anon): mremap(MREMAP_DONTUNMAP) moved
     * the PTE of a page a stepped reclaim had checked; the reclaim unmapped the (mm, address) it had
     * collected at its check, found nothing there, and left the moved PTE mapped. try_to_unmap()
     * walks the rmap when it runs: the moved PTE is unmapped.
     */
    @Test
    void aSteppedReclaimUnmapsAPteMremapMovedAfterItsCheck() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Process p0 = k.spawn("P0");
        long b0 = p0.mmap(PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        p0.write(b0, fill('M', 8));
        ReclaimSteps rc = k.reclaimSteps(p0, b0);
        rc.step(); // the checks, add_to_swap()
        long moved = p0.mremap(b0, PAGE, PAGE, MremapFlags.MAYMOVE | MremapFlags.DONTUNMAP, 0);
        assertThat(moved).isNotEqualTo(b0);
        assertThat(rc.run()).isTrue();
        assertThat(p0.pteAt(moved)).startsWith("swap entry");
        assertThat(p0.read(moved, 8)).isEqualTo(fill('M', 8));
        k.checkInvariants();
        k.close();
    }

    /**
     * Fuzzer seed 2 sequence 448 (PROPOSAL_NOTIFIER_MAY_FAIL), pte-outside-vma: a pwrite() whose
     * user buffer lies in a range a stepped munmap had zapped but not yet removed faulted the zero
     * page back in under the munmap's mmap_lock, and the munmap then removed the VMA around that PTE.
     * copy_from_user() and copy_to_user() fault like CPU accesses, so pwrite() and pread() from or into
     * user memory wait as a load or store does (WouldBlockException, before anything changes) where
     * munmap holds mmap_lock for write through its zap (4.19), and get EFAULT where it detached the VMAs
     * first (4.20+, {@link io.pinsim.runtime.model.MunmapLock#DOWNGRADED_FOR_ZAP}).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"LINUX_4_19", "LINUX_6_6"})
    void userCopiesOfPreadAndPwriteWaitForAFaultsMmapLock(String model) {
        Kernel k = kernel(KernelModel.byName(model));
        Process p0 = k.spawn("P0");
        long b = p0.mmap(3 * PAGE, RW, ANON_PRIVATE);
        Steppable un = p0.mainThread().munmapSteps(b, 3 * PAGE);
        OpenFile f = p0.memfdCreate("m0", 0);
        f.ftruncate(PAGE);
        while (!un.nextStep().startsWith("remove_vma") && !un.nextStep().startsWith("remove_mt") && !un.isDone()) {
            un.step();
        }
        // 4.19 holds mmap_lock for write through the zap: the user copy's fault waits; from 4.20 munmap detached
        // the VMAs and downgraded the lock first, so the fault finds no VMA: EFAULT
        boolean detached = k.model().get(io.pinsim.runtime.model.MunmapLock.class) == io.pinsim.runtime.model.MunmapLock.DOWNGRADED_FOR_ZAP;
        Class<? extends Exception> expected = detached ? ErrnoException.class : WouldBlockException.class;
        assertThatThrownBy(() -> f.pwrite(b, PAGE, 0)).isInstanceOf(expected).hasMessageContaining("pwrite");
        assertThatThrownBy(() -> f.pread(b, PAGE, 0)).isInstanceOf(expected).hasMessageContaining("pread");
        assertThat(p0.pteAt(b)).as("nothing faulted in").isEqualTo("none");
        while (!un.isDone()) {
            un.step();
        }
        k.checkInvariants();
        k.close();
    }

    /**
     * Fuzzer seed 4 sequence 1948 (LINUX_5_8), swap-entry-dangling: a read get_user_pages() on 5.8
     * breaks COW (17839856fd58), so its fault is a write fault, and before 5.9 do_wp_page() takes the
     * lock of a swap-cache page before reuse_swap_page(); the model checked the fault as a read and
     * reused the page a stepped reclaim held locked, which then freed the swap slot its PTE named.
     * Now the GUP waits (WouldBlockException, nothing changed) until the reclaim is stepped to its end.
     */
    @org.junit.jupiter.api.Test
    void aReadGupThatBreaksCowWaitsForThePageLockOfAStepReclaimOn58() {
        Kernel k = kernel(KernelModel.LINUX_5_8);
        Process p0 = k.spawn("P0");
        long b = p0.mmap(8 * PAGE, RW, ANON_PRIVATE);
        p0.fill(b + 4 * PAGE, 1, (byte) 'Q');
        ReclaimSteps rc = k.reclaimSteps(p0, b + 4 * PAGE);
        p0.mprotect(b, 8 * PAGE, Prot.NONE);
        rc.step();
        p0.mprotect(b, 8 * PAGE, RW);
        String pte = p0.pteAt(b + 4 * PAGE);
        assertThatThrownBy(() -> p0.getUserPages(b, 8, Foll.LONGTERM, "dev")).isInstanceOf(WouldBlockException.class).hasMessageContaining("page lock");
        assertThat(p0.pteAt(b + 4 * PAGE)).as("nothing changed").isEqualTo(pte);
        while (!rc.isDone()) {
            rc.step();
        }
        GupPages g = p0.getUserPages(b, 8, Foll.LONGTERM, "dev");
        assertThat(p0.read(b + 4 * PAGE, 1)[0]).isEqualTo((byte) 'Q');
        g.release();
        k.checkInvariants();
        k.close();
    }

    /**
     * Fuzzer seed 2 sequence 6271 (LINUX_5_8), pte-outside-vma: a plain mremap() ran while a stepped
     * GUP slow path held mmap_lock for read between its steps; the GUP's next step then faulted a
     * page in at the old address. mremap() takes mmap_lock for write (mmap_write_lock_killable()), so it
     * waits: WouldBlockException before anything changes, as mmap() and munmap() do.
     */
    @org.junit.jupiter.api.Test
    void mremapWaitsForASteppedGupHoldingMmapLock() {
        Kernel k = kernel(KernelModel.LINUX_5_8);
        Process p0 = k.spawn("P0");
        long b = p0.mmap(2 * PAGE, RW, ANON_SHARED);
        GupSteps gs = p0.mainThread().pinUserPagesSteps(b, 1, Foll.WRITE, "dev");
        gs.step();
        gs.step();
        assertThatThrownBy(() -> p0.mremap(b, PAGE, 8 * PAGE, MremapFlags.MAYMOVE, 0)).isInstanceOf(WouldBlockException.class).hasMessageContaining("mremap");
        assertThat(p0.vmaAt(b)).as("nothing moved").isNotNull();
        while (!gs.isDone()) {
            gs.step();
        }
        gs.result().unpin(false);
        k.checkInvariants();
        k.close();
    }
}
