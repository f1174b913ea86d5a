package io.pinsim.runtime;

import io.pinsim.runtime.internal.fs.InodeImpl;
import io.pinsim.runtime.internal.mm.Content;
import io.pinsim.runtime.internal.mm.Page;
import static io.pinsim.runtime.Internals.core;
import static io.pinsim.runtime.Internals.impl;
import static io.pinsim.runtime.Internals.mm;
import static io.pinsim.runtime.Internals.page;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/**
 * The invariant checker (the model's CONFIG_DEBUG_VM) fires on broken states. Each test breaks the
 * state on purpose through package-private access, then shows the exception, its message and the
 * BUG line in the kernel log.
 */
class InvariantsTest {

    @Test
    void aFreedFrameThatIsStillMappedIsABug() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        core(k).freeFrame(page(a.frameAt(buf)));
        assertThatThrownBy(k::checkInvariants).isInstanceOfSatisfying(KernelBugException.class, e -> {
            assertThat(e.invariant()).isEqualTo("freed-frame-mapped");
            assertThat(e.getMessage()).contains("process \"A\" maps freed pfn 1 at 0x7f0000000000").contains("trace:");
        });
        assertThat(k.log().contains("BUG: freed-frame-mapped")).isTrue();
    }

    @Test
    void aFreedFrameFoundThroughTheOperationThatTouchedItIsABug() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Frame f = a.frameAt(buf);
        assertThatThrownBy(() -> core(k).run("test", "free a mapped frame", buf, () -> core(k).freeFrame(page(f))))
                .isInstanceOfSatisfying(KernelBugException.class, e -> assertThat(e.invariant()).isEqualTo("freed-frame-mapped"));
    }

    /** A page removed from the page cache while a process still maps it: the operation that removed it fails, not a later one. */
    @Test
    void aPageCachePageFreedWhileMappedIsABugOfTheOperationThatFreedIt() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.TMPFS).create("f", fill('F', 4096));
        Process a = k.spawn("A");
        long map = a.mmap(0, 4096, Prot.READ | Prot.WRITE, MapFlags.SHARED, a.open(ino, OpenFlags.RDWR), 0);
        a.read(map, 1);
        assertThatThrownBy(() -> core(k).run("test", "drop a mapped page from the page cache", map, () -> ((InodeImpl) ino).removePages(0, 1, "test", true)))
                .isInstanceOfSatisfying(KernelBugException.class, e -> {
                    assertThat(e.invariant()).isEqualTo("freed-frame-mapped");
                    assertThat(e.getMessage()).contains("process \"A\" still maps it at 0x7f0000000000");
                });
    }

    /** The same page kept alive by a pin: an orphan that a PTE still maps. */
    @Test
    void aPinnedPageCachePageRemovedWhileMappedIsABug() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.TMPFS).create("f", fill('F', 4096));
        Process a = k.spawn("A");
        long map = a.mmap(0, 4096, Prot.READ | Prot.WRITE, MapFlags.SHARED, a.open(ino, OpenFlags.RDWR), 0);
        a.pinUserPages(map, 1, Foll.WRITE, "rdma0");
        assertThatThrownBy(() -> core(k).run("test", "drop a mapped page from the page cache", map, () -> ((InodeImpl) ino).removePages(0, 1, "test", true)))
                .isInstanceOfSatisfying(KernelBugException.class, e -> assertThat(e.invariant()).isEqualTo("page-cache-page-mapped-when-deleted"));
    }

    /** The allocator reuses a freed pfn at once; a PTE left on the old frame is still stale, though its pfn is allocated again. */
    @Test
    void aFreedFrameStillMappedIsABugEvenWhenItsPfnWasReused() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Frame f = a.frameAt(buf);
        assertThatThrownBy(() -> core(k).run("test", "free a mapped frame and reuse its pfn", buf, () -> {
            core(k).freeFrame(page(f));
            assertThat(core(k).allocFrame(new Content()).pfn()).isEqualTo(f.pfn());
        })).isInstanceOfSatisfying(KernelBugException.class, e -> assertThat(e.invariant()).isEqualTo("freed-frame-mapped"));
    }

    @Test
    void aWritablePteToASharedAnonPageIsABugInTheAnonExclusiveEra() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Frame f = a.frameAt(buf);
        page(f).clearAnonExclusive();
        assertThatThrownBy(k::checkInvariants).isInstanceOfSatisfying(KernelBugException.class, e -> {
            assertThat(e.invariant()).isEqualTo("writable-shared-anon");
            assertThat(e.getMessage()).contains("maps frame #1 writable at 0x7f0000000000 but the page is not PageAnonExclusive");
        });
    }

    @Test
    void theSameStateIsNoBugBeforeTheAnonExclusiveEra() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        page(a.frameAt(buf)).clearAnonExclusive();
        k.checkInvariants();
    }

    @Test
    void aPinnedPageThatIsNotExclusiveIsABug() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        GupPages p = a.pinUserPages(buf, 1, Foll.WRITE, "rdma0");
        a.mprotect(buf, Fixtures.PAGE, Prot.READ);
        page(p.frame(0)).clearAnonExclusive();
        assertThatThrownBy(k::checkInvariants).isInstanceOfSatisfying(KernelBugException.class, e -> {
            assertThat(e.invariant()).isEqualTo("pinned-page-not-exclusive");
            assertThat(e.getMessage()).contains("PIN by rdma0").contains("sanity_check_pinned_pages");
        });
    }

    @Test
    void aFrameNothingHoldsIsALeak() {
        Kernel k = kernel(KernelModel.LATEST);
        assertThatThrownBy(() -> core(k).run("test", "leak a frame", -1, () -> core(k).allocFrame(new io.pinsim.runtime.internal.mm.Content())))
                .isInstanceOfSatisfying(KernelBugException.class, e -> assertThat(e.invariant()).isEqualTo("leaked-frame"));
    }

    @Test
    void aPteOutsideEveryVmaIsABug() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        mm(a).removeVma((io.pinsim.runtime.internal.mm.VmArea) a.vmaAt(buf));
        assertThatThrownBy(k::checkInvariants).isInstanceOfSatisfying(KernelBugException.class,
                e -> assertThat(e.invariant()).isEqualTo("pte-outside-vma"));
    }

    @Test
    void aFreedFrameStillHeldByAPinIsABug() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        GupPages p = a.pinUserPages(buf, 1, Foll.WRITE, "rdma0");
        a.munmap(buf, Fixtures.PAGE);
        assertThatThrownBy(() -> core(k).run("test", "free a pinned frame", -1, () -> core(k).freeFrame(page(p.frame(0)))))
                .isInstanceOfSatisfying(KernelBugException.class, e -> assertThat(e.invariant()).isEqualTo("freed-frame-referenced"));
    }

    @Test
    void invariantsCanBeSwitchedOffAndAHealthyKernelPasses() {
        Kernel k = Kernel.builder().invariants(false).build();
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        core(k).run("test", "leak a frame", -1, () -> core(k).allocFrame(new io.pinsim.runtime.internal.mm.Content()));
        a.write(buf, fill('B', 1));

        Kernel healthy = kernel(KernelModel.LATEST);
        Process b = healthy.spawn("B");
        long bb = buffer(b, 3, 'B');
        GupPages p = b.pinUserPages(bb, 2, Foll.WRITE, "rdma0");
        b.fork().write(bb, fill('C', 1));
        healthy.reclaim(b, bb + 2L * Fixtures.PAGE);
        p.unpin(true);
        healthy.checkInvariants();
    }
}
