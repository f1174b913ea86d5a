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
import org.junit.jupiter.api.Test;

/**
 * mremap(2) (mm/mremap.c): shrink, grow in place, move; a move moves the page-table entries and
 * never the pages (move_page_tables()), so pins, COW sharing and swap entries survive it, and a THP
 * moves as one PMD (move_huge_pmd()) or is split (split_huge_pmd()).
 */
class MremapTest {
    static final int THP = ThpTest.THP;
    static final long FAR = 0x7e0000000000L;

    static long buffer(Process p, int pages, char c) {
        long a = p.mmap(0, (long) pages * PAGE, RW, ANON_PRIVATE);
        p.fill(a, (long) pages * PAGE, (byte) c);
        return a;
    }

    @Test
    void aShrinkUnmapsTheTailAndFreesItsPages() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long p = buffer(a, 4, 'x');
        assertThat(a.mremap(p, 4L * PAGE, PAGE, 0, 0)).isEqualTo(p);
        assertThat(k.usedFrames()).isEqualTo(1);
        assertThat(a.vmaAt(p + PAGE)).isNull();
        assertThat(a.read(p, 1)[0]).isEqualTo((byte) 'x');
    }

    @Test
    void aMappingGrowsInPlaceWhenTheAddressesAfterItAreFree() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long p = buffer(a, 2, 'x');
        long frame = a.frameAt(p).pfn();
        assertThat(a.mremap(p, 2L * PAGE, 4L * PAGE, 0, 0)).isEqualTo(p);
        assertThat(a.vmaAt(p + 3L * PAGE).start()).isEqualTo(p);
        assertThat(a.frameAt(p).pfn()).isEqualTo(frame);
        assertThat(a.read(p + 3L * PAGE, 1)[0]).as("the grown part is new anonymous memory").isZero();
    }

    @Test
    void aMappingThatCannotGrowInPlaceFailsWithEnomemUnlessItMayMove() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long p = buffer(a, 2, 'x');
        a.mmap(p + 2L * PAGE, PAGE, RW, ANON_PRIVATE | MapFlags.FIXED);
        assertThatThrownBy(() -> a.mremap(p, 2L * PAGE, 4L * PAGE, 0, 0))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEM));
        assertThat(a.vmaAt(p).end()).as("nothing changed").isEqualTo(p + 2L * PAGE);

        long q = a.mremap(p, 2L * PAGE, 4L * PAGE, MremapFlags.MAYMOVE, 0);
        assertThat(q).isNotEqualTo(p);
        assertThat(a.vmaAt(p)).isNull();
        assertThat(a.read(q, 1)[0]).isEqualTo((byte) 'x');
    }

    /** The pages move, not copies of them: the pinned frame is still the one mapped, and the old range was invalidated. */
    @Test
    void aMoveKeepsTheFramesAndTheirPinsAndInvalidatesTheOldRange() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long p = buffer(a, 4, 'x');
        long pfn = a.frameAt(p + PAGE).pfn();
        GupPages pin = a.pinUserPages(p + PAGE, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        NotifierHookTest.Recorder r = new NotifierHookTest.Recorder();
        a.registerMmuNotifier(r);

        long q = a.mremap(p, 4L * PAGE, 4L * PAGE, MremapFlags.MAYMOVE | MremapFlags.FIXED, FAR);

        assertThat(q).isEqualTo(FAR);
        assertThat(a.frameAt(q + PAGE).pfn()).isEqualTo(pfn);
        assertThat(a.frameAt(q + PAGE).pincount()).isEqualTo(1);
        assertThat(a.frameAt(p + PAGE)).isNull();
        String old = Long.toHexString(p) + "-" + Long.toHexString(p + 4L * PAGE);
        assertThat(r.calls).as("move_page_tables() invalidates the old range").startsWith("start UNMAP " + old, "end UNMAP " + old);
        a.write(q + PAGE, fill('y', 1));
        assertThat(a.frameAt(q + PAGE).pfn()).as("still exclusive: the write reuses the pinned page").isEqualTo(pfn);
        assertThat(pin.read(0, 1)[0]).as("the device sees the write").isEqualTo((byte) 'y');
        pin.unpin(false);
        k.checkInvariants();
    }

    /** After fork the moved pages are still shared with the child and found by the reverse map at their new address. */
    @Test
    void movedPagesSharedWithAChildKeepTheirCowAndTheirReverseMap() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long p = buffer(a, 2, 'x');
        Process c = a.fork();
        long q = a.mremap(p, 2L * PAGE, 2L * PAGE, MremapFlags.MAYMOVE | MremapFlags.FIXED, FAR);
        assertThat(a.frameAt(q).pfn()).isEqualTo(c.frameAt(p).pfn());
        assertThat(a.frameAt(q).mapcount()).as("rmap finds the parent's moved PTE and the child's").isEqualTo(2);
        a.write(q, fill('P', 1));
        assertThat(a.frameAt(q).pfn()).as("COW copies the shared page").isNotEqualTo(c.frameAt(p).pfn());
        assertThat(c.read(p, 1)[0]).isEqualTo((byte) 'x');
        assertThat(c.frameAt(p).mapcount()).isEqualTo(1);
        Process g = a.fork();
        assertThat(g.read(q + PAGE, 1)[0]).as("a grandchild forked after the move maps it at the new address").isEqualTo((byte) 'x');
        assertThat(a.frameAt(q + PAGE).mapcount()).isEqualTo(3);
        k.close();
    }

    @Test
    void aSwappedOutPageMovesAsItsSwapEntry() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long p = buffer(a, 2, 'x');
        a.madvise(p, 2L * PAGE, Advice.PAGEOUT);
        assertThat(a.frameAt(p)).isNull();
        long q = a.mremap(p, 2L * PAGE, 8L * PAGE, MremapFlags.MAYMOVE | MremapFlags.FIXED, FAR);
        assertThat(a.read(q + PAGE, 1)[0]).as("swapped in at the new address").isEqualTo((byte) 'x');
        k.close();
    }

    /** A device-private entry moves like any other; migrate_to_ram and the forked child still find the device page at its new place. */
    @Test
    void aDevicePrivateEntryMovesAndComesBackToRamAtItsNewAddress() {
        Kernel k = kernel(KernelModel.LATEST);
        java.util.List<Long> faults = new java.util.ArrayList<>();
        io.pinsim.runtime.spi.DevicePagemap gpu = DeviceMemoryTest.device(k, "gpu0", 2, faults);
        Process a = k.spawn("A");
        long p = buffer(a, 2, 'A');
        Frame d = gpu.migrateToDevice(a, p, 1).get(0).frame();
        Process c = a.fork();
        long q = a.mremap(p, 2L * PAGE, 2L * PAGE, MremapFlags.MAYMOVE | MremapFlags.FIXED, FAR);
        assertThat(a.pteAt(q)).startsWith("device-private entry");
        assertThat(d.mapcount()).as("the entry at the new address and the child's").isEqualTo(2);
        assertThat(c.read(p, 1)[0]).isEqualTo((byte) 'A');
        assertThat(a.read(q, 1)[0]).isEqualTo((byte) 'A');
        assertThat(faults).hasSize(1);
        assertThat(gpu.freePages()).isEqualTo(2);
        c.exit();
        a.exit();
        assertThat(k.leaks()).isEmpty();
    }

    @Test
    void aSharedMappingMovesAndKeepsItsObject() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long p = a.mmap(0, 2L * PAGE, RW, ANON_SHARED);
        a.fill(p, 2L * PAGE, (byte) 's');
        Process c = a.fork();
        long q = a.mremap(p, 2L * PAGE, 2L * PAGE, MremapFlags.MAYMOVE | MremapFlags.FIXED, FAR);
        a.write(q + PAGE, fill('t', 1));
        assertThat(c.read(p + PAGE, 1)[0]).as("still the same shmem object").isEqualTo((byte) 't');
        long dup = a.mremap(q, 0, 2L * PAGE, MremapFlags.MAYMOVE, 0);
        assertThat(a.read(dup + PAGE, 1)[0]).as("old length 0 duplicates a shared mapping").isEqualTo((byte) 't');
        k.close();
    }

    /** A whole 2 MiB THP moved to a 2 MiB aligned address moves as one PMD (move_huge_pmd()). */
    @Test
    void aWholeThpMovedToAnAlignedAddressStaysPmdMapped() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        long head = a.frameAt(p).pfn();
        long q = a.mremap(p, THP, THP, MremapFlags.MAYMOVE | MremapFlags.FIXED, FAR);
        assertThat(a.populatedPtes()).as("no PTEs: one PMD moved").isZero();
        assertThat(a.pteAt(q + PAGE)).contains("PMD-mapped THP");
        assertThat(a.frameAt(q + 5L * PAGE).pfn()).isEqualTo(head + 5);
        assertThat(a.frameAt(q).mapcount()).isEqualTo(1);
        a.write(q, fill('y', 1));
        assertThat(a.frameAt(q).pfn()).as("still exclusive: reused").isEqualTo(head);
        k.close();
    }

    /** cow.c's THP_RUN_PARTIAL_MREMAP set-up: half of the THP moves, the PMD is split and the folio is mapped from two places. */
    @Test
    void movingHalfOfAThpSplitsItsPmdAndTheFolioStaysWhole() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        long head = a.frameAt(p).pfn();
        long dst = a.mmap(0, THP / 2, Prot.NONE, ANON_PRIVATE);
        long q = a.mremap(p + THP / 2, THP / 2, THP / 2, MremapFlags.MAYMOVE | MremapFlags.FIXED, dst);
        assertThat(q).isEqualTo(dst);
        assertThat(a.frameAt(p).pfn()).isEqualTo(head);
        assertThat(a.frameAt(q).pfn()).as("the second half's first subpage, now at the new place").isEqualTo(head + 256);
        assertThat(a.frameAt(q).compoundHead().pfn()).isEqualTo(head);
        assertThat(a.frameAt(q).entireMapcount()).as("PTE-mapped now").isZero();
        assertThat(a.frameAt(q).refcount()).as("512 PTE mappings, each found by the rmap").isEqualTo(512);
        assertThat(a.read(q + 3L * PAGE, 1)[0]).isEqualTo((byte) 'x');
        assertThat(a.populatedPtes()).isEqualTo(512);
        k.close();
    }

    /** A THP moved to an address that is not 2 MiB aligned cannot keep its PMD. */
    @Test
    void aThpMovedToAnUnalignedAddressIsSplit() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        long q = a.mremap(p, THP, THP, MremapFlags.MAYMOVE | MremapFlags.FIXED, FAR + PAGE);
        assertThat(a.populatedPtes()).isEqualTo(512);
        assertThat(a.frameAt(q + 9L * PAGE).compoundHead().pfn()).isEqualTo(a.frameAt(q).pfn());
        k.close();
    }

    @Test
    void badInputIsRefusedWithTheKernelsErrnoAndChangesNothing() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long p = buffer(a, 4, 'x');
        int move = MremapFlags.MAYMOVE | MremapFlags.FIXED;
        assertErrno(() -> a.mremap(p, PAGE, PAGE, 8, 0), Errno.EINVAL, "unknown flags");
        assertErrno(() -> a.mremap(p, PAGE, PAGE, MremapFlags.FIXED, FAR), Errno.EINVAL, "without MREMAP_MAYMOVE");
        assertErrno(() -> a.mremap(p + 1, PAGE, PAGE, 0, 0), Errno.EINVAL, "not page aligned");
        assertErrno(() -> a.mremap(p, PAGE, 0, 0, 0), Errno.EINVAL, "rounds to 0");
        assertErrno(() -> a.mremap(FAR, PAGE, PAGE, 0, 0), Errno.EFAULT, "no mapping");
        assertErrno(() -> a.mremap(p, 8L * PAGE, 16L * PAGE, MremapFlags.MAYMOVE, 0), Errno.EFAULT, "runs past the end");
        assertErrno(() -> a.mremap(p, 4L * PAGE, 4L * PAGE, move, p + PAGE), Errno.EINVAL, "overlap");
        assertErrno(() -> a.mremap(p, 4L * PAGE, 4L * PAGE, move, FAR + 1), Errno.EINVAL, "not page aligned");
        assertErrno(() -> a.mremap(p, 4L * PAGE, 4L * PAGE, move, -PAGE), Errno.EINVAL, "outside the user address space");
        assertErrno(() -> a.mremap(p, 0, PAGE, MremapFlags.MAYMOVE, 0), Errno.EINVAL, "only a shared mapping");
        assertErrno(() -> a.mremap(p, PAGE, 2L * PAGE, MremapFlags.MAYMOVE | MremapFlags.DONTUNMAP, FAR), Errno.EINVAL, "equal lengths");
        assertThat(a.vmaAt(p).end()).isEqualTo(p + 4L * PAGE);
        assertThat(a.read(p + 3L * PAGE, 1)[0]).isEqualTo((byte) 'x');
        assertThat(k.usedFrames()).isEqualTo(4);
    }

    private static void assertErrno(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Errno errno, String why) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.getMessage()).contains(why);
        });
    }
}
