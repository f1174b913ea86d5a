package io.pinsim.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.ForkSteps;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Report;
import io.pinsim.runtime.explore.Search;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/**
 * ibv_reg_mr() of a pinned MR as steps (ib_umem_get()'s chunks of 512 pages): the same state as
 * the plain call, the chunks merged into one pin set, a chunk waits for a fork's mmap_lock, an
 * error unpins the chunks already pinned, and fork explored between the chunks.
 */
class MrRegistrationStepsTest {
    static final int PAGE = Kernel.PAGE_SIZE;
    /** Two chunks: 512 pages and 1. */
    static final int PAGES = UmemPinning.CHUNK_PAGES + 1;
    static final int RW = IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE;

    /** A process with a filled buffer of {@link #PAGES} pages, a NIC and a PD. */
    static final class World {
        final Kernel k;
        final Process a;
        final long buf;
        final RdmaNic nic;
        final ProtectionDomain pd;
        MrRegistrationSteps reg;

        World(Kernel k) {
            this.k = k;
            a = k.spawn("A");
            buf = a.mmap((long) PAGES * PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            a.fill(buf, (long) PAGES * PAGE, (byte) 'A');
            nic = new RdmaNic(k, "mlx5_0");
            pd = nic.allocPd(a);
        }
    }

    static void run(Steppable s) {
        while (!s.isDone()) {
            s.step();
        }
    }

    @Test
    void theStepsInARowPinWhatThePlainCallPinsInTwoChunksOnEveryModel() {
        for (KernelModel model : KernelModel.all()) {
            World plain = new World(Kernel.builder().model(model).seed(3).build());
            World stepped = new World(Kernel.builder().model(model).seed(3).build());
            MemoryRegion one = plain.nic.regMr(plain.pd, plain.buf, (long) PAGES * PAGE, RW);
            MrRegistrationSteps reg = stepped.nic.regMrSteps(stepped.pd, stepped.buf, (long) PAGES * PAGE, RW);
            assertThat(reg.nextStep()).contains("ib_umem_get() charges pinned_vm");
            reg.step();
            assertThat(reg.nextStep()).contains("pin chunk 1 (512 pages");
            reg.step();
            assertThat(reg.chunksPinned()).isEqualTo(1);
            assertThat(reg.nextStep()).contains("pin chunk 2 (1 pages").contains("create MR#");
            reg.step();
            assertThat(reg.isDone()).isTrue();
            MemoryRegion two = reg.result();
            assertThat(two.pins().count()).isEqualTo(PAGES);
            assertThat(two.pins().requested()).isEqualTo(PAGES);
            for (int i = 0; i < PAGES; i++) {
                assertThat(two.pins().frame(i).pfn()).as(model.name() + " page " + i).isEqualTo(one.pins().frame(i).pfn());
                assertThat(two.pins().frame(i).pincount()).isEqualTo(one.pins().frame(i).pincount());
                assertThat(two.isCoherent((long) i * PAGE)).isTrue();
            }
            assertThat(stepped.a.pinnedVm()).isEqualTo(plain.a.pinnedVm()).isEqualTo(PAGES);
            stepped.nic.deregMr(two);
            plain.nic.deregMr(one);
            assertThat(stepped.a.pinnedVm()).isZero();
            assertThat(stepped.a.frameAt(stepped.buf).pincount()).isZero();
            assertThat(stepped.a.frameAt(stepped.buf + (long) (PAGES - 1) * PAGE).pincount()).isZero();
            stepped.k.checkInvariants();
            stepped.k.checkNoLeaks();
        }
    }

    @Test
    void aChunkWaitsWhileAForkHoldsMmapLockAndRunsBetweenTwoOfItsSteps() {
        World w = new World(Kernel.builder().model(KernelModel.LINUX_6_6).build());
        MrRegistrationSteps reg = w.nic.regMrSteps(w.pd, w.buf, (long) PAGES * PAGE, RW);
        reg.step();
        reg.step();
        ForkSteps fork = w.a.spawnThread("T2").forkSteps("B");
        fork.step(); // takes mmap_lock for write
        assertThat(reg.isBlocked()).isTrue();
        assertThat(reg.waitsFor()).isEqualTo("mm:" + w.a.pid() + ":mmap_lock");
        assertThatThrownBy(reg::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("waits for mm:");
        run(fork);
        assertThat(reg.isBlocked()).isFalse();
        reg.step();
        MemoryRegion mr = reg.result();
        w.a.fill(w.buf, (long) PAGES * PAGE, (byte) 'P');
        // 6.6: fork copied the pinned chunk for the child (page_needs_cow_for_dma()) and shared the
        // other; the second chunk's FOLL_WRITE pin broke COW first, so the parent's write stays with the MR
        assertThat(mr.isCoherent(0)).isTrue();
        assertThat(mr.isCoherent((long) (PAGES - 1) * PAGE)).isTrue();
    }

    @Test
    void aChunkThatCannotBePinnedUnpinsTheChunksBeforeItAndReturnsTheCharge() {
        for (KernelModel model : KernelModel.all()) {
            World w = new World(Kernel.builder().model(model).build());
            MrRegistrationSteps reg = w.nic.regMrSteps(w.pd, w.buf, (long) PAGES * PAGE, RW);
            int refs = w.a.frameAt(w.buf).refcount();
            reg.step();
            reg.step();
            assertThat(w.a.frameAt(w.buf).refcount()).isGreaterThan(refs);
            w.a.munmap(w.buf + (long) UmemPinning.CHUNK_PAGES * PAGE, PAGE); // another thread unmaps the second chunk
            reg.step();
            assertThat(reg.isDone()).isTrue();
            assertThat(reg.failure()).map(ErrnoException::errno).contains(Errno.EFAULT);
            assertThatThrownBy(reg::result).isInstanceOf(ErrnoException.class);
            assertThat(w.a.frameAt(w.buf).refcount()).as(model.name()).isEqualTo(refs);
            assertThat(w.a.pinnedVm()).isZero();
            w.k.checkInvariants();
            w.k.checkNoLeaks();
        }
    }

    static Explorer<World> forkExplorer(KernelModel model) {
        return Explorer.on(Kernel.builder().model(model).seed(1), World::new)
                .thread("reg", Op.steps("ibv_reg_mr()", w -> w.reg = w.nic.regMrSteps(w.pd, w.buf, (long) PAGES * PAGE, RW)))
                .thread("fork", Op.steps("fork()", w -> w.a.spawnThread("T2").forkSteps("B")))
                .check("the MR follows the parent's writes", (k, w) -> {
                    w.a.fill(w.buf, (long) PAGES * PAGE, (byte) 'P');
                    for (long off : new long[] {0, (long) (PAGES - 1) * PAGE}) {
                        if (!w.reg.result().isCoherent(off)) {
                            throw new AssertionError("the parent's write moved offset " + off + " away from the MR");
                        }
                    }
                });
    }

    /**
     * Registration against fork: on 4.19 and 5.8 fork shares the pages a chunk already pinned and
     * the parent's next write copies them away from the MR (the RDMA-fork problem that
     * ibv_fork_init()'s MADV_DONTFORK avoids); from 5.9 fork copies a pinned page for the child
     * (70e806e4e645, page_needs_cow_for_dma() since 5.13) and a later chunk's FOLL_WRITE pin breaks
     * COW first, so fork between the two chunks (T1*2: charge, chunk 1; the whole fork; chunk 2)
     * keeps the MR coherent.
     */
    @Test
    void forkBetweenTheChunksBreaksTheMrOnlyWhereForkSharesPinnedPages() {
        for (KernelModel model : KernelModel.all()) {
            Explorer<World> explorer = forkExplorer(model);
            boolean shares = model == KernelModel.LINUX_4_19 || model == KernelModel.LINUX_5_8;
            assertThat(explorer.replay("T1*2,T2*1031,T1").failed()).as(model.name()).isEqualTo(shares);
            assertThat(explorer.replay("T2*1031,T1*3").failed()).as(model.name()).isFalse();
        }
        // explored on 5.8: the smallest failing schedule needs no preemption (fork after the registration)
        Report before = forkExplorer(KernelModel.LINUX_5_8).explore(Search.preemptionBounded(1));
        assertThat(before.passed()).isFalse();
        assertThat(before.render()).contains("smallest failing schedule: T1*3,T2*1031 (0 preemptions");
    }
}
