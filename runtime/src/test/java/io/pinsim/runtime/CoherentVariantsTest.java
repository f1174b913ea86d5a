package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.CowReuse;
import io.pinsim.runtime.model.ForkPinned;
import io.pinsim.runtime.model.GupReadOnShared;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.RdmaCopyOnFork;
import io.pinsim.runtime.model.SwapinWriteReuse;
import org.junit.jupiter.api.Test;

/**
 * Model variants that mix the anon-exclusive era with an older mechanism (issue 12). Each is a
 * kernel the runtime can run: PG_anon_exclusive keeps its meaning (a page two mms map is not
 * exclusive, a writable anon PTE maps an exclusive page), and where the older mechanism does not
 * keep pinned pages exclusive, the pin goes stale as that mechanism's kernels did, with no
 * KernelBugException.
 */
class CoherentVariantsTest {

    /** 6.1 with 70e806e4e645's early copy: fork shares an unpinned page, and it stops being exclusive. */
    @Test
    void earlyCopyOfAnyPageInTheAnonExclusiveEraSharesAWrittenPage() {
        Kernel k = kernel(KernelModel.LINUX_6_1.with(ForkPinned.EARLY_COPY_ANY_PAGE));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Frame f = a.frameAt(buf);
        Process child = a.fork();

        assertThat(child.frameAt(buf)).isSameAs(f);
        assertThat(f.isAnonExclusive()).as("a page two mms map is not exclusive").isFalse();
        a.write(buf, fill('P', 1));
        assertThat(seen(child, buf)).isEqualTo('A');
        k.checkInvariants();
    }

    @Test
    void earlyCopyOfAnyPageInTheAnonExclusiveEraCopiesAPinnedPageForTheChild() {
        Kernel k = kernel(KernelModel.LINUX_6_1.with(ForkPinned.EARLY_COPY_ANY_PAGE));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        GupPages mr = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        Process child = a.fork();
        a.write(buf, fill('P', 1));
        mr.write(8, fill('D', 8));

        assertThat(child.frameAt(buf)).isNotSameAs(mr.frame(0));
        assertThat(mr.frame(0).isAnonExclusive()).isTrue();
        assertThat(mr.isCoherent(0)).isTrue();
        assertThat(seen(a, buf + 8)).isEqualTo('D');
    }

    /** 6.1 whose fork shares pinned pages like 5.8 (a "5.9-rc1" of the anon-exclusive era): the pin goes stale. */
    @Test
    void shareWrprotectInTheAnonExclusiveEraLosesThePinLike59rc1() {
        Kernel k = kernel(KernelModel.LINUX_6_1.with(ForkPinned.SHARE_WRPROTECT, RdmaCopyOnFork.NOT_REPORTED));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        GupPages mr = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        Process child = a.fork();

        assertThat(child.frameAt(buf)).isSameAs(mr.frame(0));
        assertThat(mr.frame(0).isAnonExclusive()).isFalse();
        a.write(buf, fill('P', 1));
        mr.write(8, fill('D', 8));
        assertThat(mr.isCoherent(0)).as("the parent copied away from its pinned page").isFalse();
        assertThat(seen(child, buf + 8)).isEqualTo('D');
        k.checkInvariants();
    }

    /** 6.1 without a7f226604170: a R/O pin of a COW-shared page is not unshared and goes stale, as in 5.10 (S5). */
    @Test
    void readOnlyPinWithoutUnshareInTheAnonExclusiveEraGoesStale() {
        Kernel k = kernel(KernelModel.LINUX_6_1.with(GupReadOnShared.RETURN_SHARED));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Process child = a.fork();
        GupPages pin = a.pinUserPages(buf, 1, 0, "dma-reader");
        child.exit();
        a.write(buf, fill('P'));

        assertThat(pin.isCoherent(0)).isFalse();
        assertThat((char) pin.read(0, 1)[0]).isEqualTo('A');
        k.checkInvariants();
    }

    /** 5.10 with FAULT_FLAG_UNSHARE and the flag it needs: the R/O pin unshares first and stays coherent (S5). */
    @Test
    void unshareWithPageAnonExclusiveKeepsTheReadOnlyPinOn510() {
        Kernel k = kernel(KernelModel.LINUX_5_10.with(GupReadOnShared.UNSHARE_IF_PIN, CowReuse.ANON_EXCLUSIVE));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Process child = a.fork();
        GupPages pin = a.pinUserPages(buf, 1, 0, "dma-reader");
        child.exit();
        a.write(buf, fill('P'));

        assertThat(pin.isCoherent(0)).isTrue();
        assertThat((char) pin.read(0, 1)[0]).isEqualTo('P');
    }

    /** reuse_swap_page() in the anon-exclusive era: the page it maps writable is marked exclusive. */
    @Test
    void swapInByMapcountInTheAnonExclusiveEraMarksTheWritablePageExclusive() {
        Kernel k = kernel(KernelModel.LINUX_6_1.with(SwapinWriteReuse.MAPCOUNT_PLUS_SWAPCOUNT));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        k.reclaim(a, buf);
        a.write(buf, fill('W', 1));

        assertThat(a.isMappedWritable(buf)).isTrue();
        assertThat(a.frameAt(buf).isAnonExclusive()).isTrue();
        k.checkInvariants();
        assertThat(a.read(buf + 1, PAGE - 1)).containsOnly('A');
    }
}
